using System;
using System.Collections.Generic;
using System.Linq;

namespace PackedAlloc.BuildBench.Corpora
{
    /// <summary>The shapes of code the benchmark builds.</summary>
    public enum CorpusKind
    {
        /// <summary>Library-shaped code with exactly one file that uses the Kernel API.</summary>
        Library,

        /// <summary>The same library code with no such file: it references the runtime and never uses it.</summary>
        Unused,

        /// <summary>Driver code that maps buffers for DMA in every file.</summary>
        Driver,
    }

    public static class CorpusKinds
    {
        public static IReadOnlyList<CorpusKind> All { get; } = new[] { CorpusKind.Library, CorpusKind.Unused, CorpusKind.Driver };

        /// <summary>The lower-case name used on the command line and in reports.</summary>
        public static string Name(this CorpusKind kind) => kind.ToString().ToLowerInvariant();

        public static CorpusKind Parse(string name)
        {
            foreach (var kind in All)
            {
                if (string.Equals(kind.Name(), name.Trim(), StringComparison.OrdinalIgnoreCase))
                {
                    return kind;
                }
            }

            throw new ArgumentException($"unknown corpus '{name}' (expected one of: {string.Join(", ", All.Select(k => k.Name()))})");
        }
    }
}
