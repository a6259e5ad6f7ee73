using System;
using System.IO;

namespace PackedAlloc.Analyzers.Tests.Infrastructure
{
    /// <summary>The checkout the tests run from, found by walking up to PackedAlloc.sln.</summary>
    internal static class Repository
    {
        public static string Root { get; } = FindRoot();

        private static string FindRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "PackedAlloc.sln"))) return dir.FullName;
            }

            throw new InvalidOperationException("PackedAlloc.sln not found above " + AppContext.BaseDirectory);
        }
    }
}
