using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;

namespace PackedAlloc.EndToEnd.Tests.Infrastructure
{
    /// <summary>A .nupkg read as what it is: a zip with a .nuspec.</summary>
    public sealed class NuPkg
    {
        public NuPkg(string path)
        {
            Path = path;
            using var zip = ZipFile.OpenRead(path);
            Entries = zip.Entries.Select(e => e.FullName).ToList();
            var nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/'));
            using var stream = nuspec.Open();
            Nuspec = XDocument.Load(stream);
        }

        public string Path { get; }

        public IReadOnlyList<string> Entries { get; }

        public XDocument Nuspec { get; }

        /// <summary>The files that are package content, without the OPC bookkeeping NuGet adds.</summary>
        public IEnumerable<string> ContentEntries => Entries.Where(e =>
            !e.StartsWith("_rels/", StringComparison.Ordinal) &&
            !e.StartsWith("package/", StringComparison.Ordinal) &&
            e != "[Content_Types].xml" &&
            !e.EndsWith(".nuspec", StringComparison.Ordinal));

        /// <summary>The text of /package/metadata/<paramref name="name"/>, or null.</summary>
        public string? Metadata(string name) => MetadataElement(name)?.Value;

        public XElement? MetadataElement(string name) =>
            Nuspec.Root?.Elements().Single(e => e.Name.LocalName == "metadata").Elements().SingleOrDefault(e => e.Name.LocalName == name);

        public byte[] Read(string entry)
        {
            using var zip = ZipFile.OpenRead(Path);
            using var stream = zip.GetEntry(entry)!.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }
    }
}
