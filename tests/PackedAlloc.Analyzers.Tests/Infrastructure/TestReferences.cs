using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace PackedAlloc.Analyzers.Tests.Infrastructure
{
    /// <summary>
    /// Reference assemblies that work offline: the SDK's own net10.0 reference pack (found next to the running
    /// runtime) plus the PackedAlloc.Runtime assembly the analyzer is keyed on. The testing library's package
    /// download is not used, since the mirror here does not serve the packs it asks for.
    /// </summary>
    internal static class TestReferences
    {
        public static readonly ReferenceAssemblies Net10 = new ReferenceAssemblies("net10.0");

        public static readonly ImmutableArray<MetadataReference> All = Load();

        private static ImmutableArray<MetadataReference> Load()
        {
            var runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
            var dotnetRoot = Path.GetFullPath(Path.Combine(runtimeDirectory, "..", "..", ".."));
            var packs = new DirectoryInfo(Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref"));
            var newest = packs.GetDirectories()
                .OrderByDescending(d => Version.TryParse(d.Name.Split('-')[0], out var v) ? v : new Version(0, 0))
                .First();
            var refDirectory = Path.Combine(newest.FullName, "ref", "net10.0");
            return Directory.GetFiles(refDirectory, "*.dll")
                .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
                .Append(MetadataReference.CreateFromFile(typeof(PackedAlloc.Runtime.Kernel).Assembly.Location))
                .ToImmutableArray();
        }
    }
}
