using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;

namespace PackedAlloc.BuildBench.Measuring
{
    /// <summary>One diagnostic as MSBuild prints it; <see cref="Line"/> is 0 when it has no location (e.g. AD0001).</summary>
    public sealed record BuildDiagnostic(string Id, string Severity, string Origin, int Line, int Column, string Message);

    /// <summary>
    /// The diagnostics of a build log, each counted once: MSBuild prints every warning where it happened and again in
    /// the summary at the end (with a different prefix), so the same diagnostic appears at least twice.
    /// </summary>
    public sealed class BuildDiagnostics
    {
        // "path(12,34): warning PA0001: message [project]", or without a location: "CSC : warning AD0001: message".
        private static readonly Regex Diagnostic = new(
            @"^\s*(?<origin>.*?)(?:\((?<line>\d+),(?<column>\d+)(?:,\d+,\d+)?\))?\s*:\s*(?<severity>warning|error)\s+(?<id>[A-Z]{2,}\d{3,})\s*:\s*(?<message>.*?)\s*$",
            RegexOptions.CultureInvariant);

        private readonly IReadOnlyList<BuildDiagnostic> _distinct;

        private BuildDiagnostics(IReadOnlyList<BuildDiagnostic> distinct) => _distinct = distinct;

        public static BuildDiagnostics Parse(IEnumerable<string> lines)
        {
            var distinct = new HashSet<BuildDiagnostic>();
            foreach (var line in lines)
            {
                var match = Diagnostic.Match(AnalyzerTimes.Unprefixed(line));
                if (match.Success)
                {
                    distinct.Add(new BuildDiagnostic(
                        match.Groups["id"].Value,
                        match.Groups["severity"].Value,
                        match.Groups["origin"].Value.Trim(),
                        Number(match.Groups["line"]),
                        Number(match.Groups["column"]),
                        match.Groups["message"].Value));
                }
            }

            return new BuildDiagnostics(distinct.ToList());
        }

        public int Count(string id) => _distinct.Count(d => d.Id == id);

        public IEnumerable<BuildDiagnostic> WithId(string id) => _distinct.Where(d => d.Id == id);

        public int ErrorCount => _distinct.Count(d => d.Severity == "error");

        private static int Number(Group group) => group.Success ? int.Parse(group.Value, CultureInfo.InvariantCulture) : 0;
    }
}
