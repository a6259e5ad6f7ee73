using System;
using System.Collections.Generic;
using System.Linq;

namespace PackedAlloc.BuildBench.Corpora
{
    /// <summary>
    /// Generates the benchmark's corpora: deterministic for a seed, and at least the requested number of lines (a
    /// file is never cut, so the last one may overshoot by a few hundred lines). Usable from tests.
    /// </summary>
    public static class CorpusGenerator
    {
        public const int DefaultSeed = 20261201;

        public static GeneratedCorpus Generate(CorpusKind kind, int lines, int seed = DefaultSeed)
        {
            if (lines <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(lines), lines, "a corpus needs at least one line");
            }

            return kind switch
            {
                CorpusKind.Library => Library(lines, seed, withDmaFile: true),
                CorpusKind.Unused => Library(lines, seed, withDmaFile: false),
                CorpusKind.Driver => Drivers(lines, seed),
                _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
            };
        }

        /// <summary>The number of PA0001 a correct analyzer reports on <see cref="Generate"/>'s corpus.</summary>
        public static int ExpectedPa0001(CorpusKind kind, int lines, int seed = DefaultSeed) => Generate(kind, lines, seed).ExpectedPa0001;

        /// <summary>
        /// The library modules depend only on the seed and the size, not on the DMA file, so that the library and
        /// unused corpora of one size are the same code but for that one file.
        /// </summary>
        private static GeneratedCorpus Library(int lines, int seed, bool withDmaFile)
        {
            var random = new Random(seed);
            var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
            int written = Add(files, LibraryCode.CommonPath, LibraryCode.Common());
            for (int module = 0; written < lines; module++)
            {
                written += Add(files, LibraryCode.ModulePath(module), LibraryCode.Module(module, Dependencies(module, random), random));
            }

            if (withDmaFile)
            {
                Add(files, LibraryDmaFile.Path, LibraryDmaFile.Text());
            }

            return new GeneratedCorpus(withDmaFile ? CorpusKind.Library : CorpusKind.Unused, files, withDmaFile ? LibraryDmaFile.ExpectedPa0001 : 0);
        }

        /// <summary>One to three distinct earlier modules (fewer when there are fewer), none for the first.</summary>
        private static IReadOnlyList<int> Dependencies(int module, Random random)
        {
            var chosen = new SortedSet<int>();
            int wanted = Math.Min(module, random.Next(1, 4));
            while (chosen.Count < wanted)
            {
                chosen.Add(random.Next(module));
            }

            return chosen.ToList();
        }

        private static GeneratedCorpus Drivers(int lines, int seed)
        {
            var random = new Random(seed);
            var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
            int written = 0, expected = 0;
            for (int index = 0; written < lines; index++)
            {
                var (text, pa0001) = DriverCode.File(index, random);
                written += Add(files, DriverCode.FilePath(index), text);
                expected += pa0001;
            }

            return new GeneratedCorpus(CorpusKind.Driver, files, expected);
        }

        private static int Add(IDictionary<string, string> files, string path, string text)
        {
            files.Add(path, text);
            return SourceText.CountLines(text);
        }
    }
}
