using System;
using System.Collections.Generic;
using System.Linq;

namespace PackedAlloc.BuildBench.Corpora
{
    /// <summary>
    /// The sources of one corpus, by relative path, and the PA0001 a correct analyzer reports on them: the generator
    /// knows how many because it chose every safe and unsafe shape it wrote, and where, because it ends each line
    /// that must carry one with the comment <c>// PA0001</c>.
    /// </summary>
    public sealed class GeneratedCorpus
    {
        public const string Pa0001Marker = "// PA0001";

        public GeneratedCorpus(CorpusKind kind, IReadOnlyDictionary<string, string> files, int expectedPa0001)
        {
            Kind = kind;
            Files = files;
            ExpectedPa0001 = expectedPa0001;
            ExpectedPa0001Lines = MarkedLines(files);

            // Two independent bookkeepings of one fact: if a template's count and its comments disagree, the
            // template is wrong, and a benchmark built on it would check the wrong thing.
            if (ExpectedPa0001Lines.Count != expectedPa0001)
            {
                throw new InvalidOperationException($"the {kind} corpus counts {expectedPa0001} PA0001 but marks {ExpectedPa0001Lines.Count} lines with '{Pa0001Marker}'");
            }
        }

        public CorpusKind Kind { get; }

        /// <summary>Relative file path (forward slashes) to C# source text.</summary>
        public IReadOnlyDictionary<string, string> Files { get; }

        public int ExpectedPa0001 { get; }

        /// <summary>Where each PA0001 must be: relative file path and 1-based line.</summary>
        public IReadOnlySet<(string File, int Line)> ExpectedPa0001Lines { get; }

        public int LineCount => Files.Values.Sum(SourceText.CountLines);

        private static IReadOnlySet<(string File, int Line)> MarkedLines(IReadOnlyDictionary<string, string> files)
        {
            var marked = new HashSet<(string, int)>();
            foreach (var (path, text) in files)
            {
                var lines = text.Split('\n');
                for (int i = 0; i < lines.Length; i++)
                {
                    if (lines[i].Contains(Pa0001Marker, StringComparison.Ordinal))
                    {
                        marked.Add((path, i + 1));
                    }
                }
            }

            return marked;
        }
    }
}
