using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using PackedAlloc.BuildBench.Building;

namespace PackedAlloc.BuildBench.Measuring
{
    /// <summary>What one consumer build took and reported.</summary>
    public sealed class BuildMeasurement
    {
        public const string PackedAllocAnalyzer = "DmaFlowAnalyzer";

        /// <summary>The analyzer's name before PA0003 joined it (baselines built from older commits report under it).</summary>
        public const string EarlierPackedAllocAnalyzer = "PackedBufferReachesDmaAnalyzer";
        public const string Ca2000Analyzer = "DisposeObjectsBeforeLosingScope";

        // In the "Task Performance Summary" that -clp:PerformanceSummary prints: "     2156 ms  Csc    1 calls".
        private static readonly Regex CscTask = new(@"^\s*(?<ms>\d+) ms\s+Csc\s+\d+ calls", RegexOptions.CultureInvariant);

        private BuildMeasurement(CommandOutcome outcome, string? failure, AnalyzerTimes? analyzers, double? cscSeconds, BuildDiagnostics? diagnostics)
        {
            Outcome = outcome;
            Failure = failure;
            Analyzers = analyzers;
            CscSeconds = cscSeconds;
            Diagnostics = diagnostics;
        }

        public CommandOutcome Outcome { get; }

        /// <summary>Why the build has no usable figures ("timed out", "build failed"), or null.</summary>
        public string? Failure { get; }

        public AnalyzerTimes? Analyzers { get; }

        public double? CscSeconds { get; }

        public BuildDiagnostics? Diagnostics { get; }

        /// <summary>The whole `dotnet build` process, start to exit (restore excluded: it ran before).</summary>
        public double? BuildSeconds => Failure == null ? Outcome.Elapsed.TotalSeconds : null;

        public double? Pa0001Seconds => Analyzers?.Of(PackedAllocAnalyzer) ?? Analyzers?.Of(EarlierPackedAllocAnalyzer);

        public double? Ca2000Seconds => Analyzers?.Of(Ca2000Analyzer);

        public static BuildMeasurement NotBuilt(CommandOutcome outcome, string failure) => new(outcome, outcome.TimedOut ? "timed out" : failure, null, null, null);

        public static BuildMeasurement From(CommandOutcome outcome)
        {
            if (outcome.TimedOut)
            {
                return NotBuilt(outcome, "timed out");
            }

            var lines = File.ReadLines(outcome.LogPath).ToList();
            var diagnostics = BuildDiagnostics.Parse(lines);
            string? failure = outcome.ExitCode == 0 ? null : $"build failed (exit {outcome.ExitCode}, {diagnostics.ErrorCount} errors)";
            double? csc = lines.Select(l => CscTask.Match(l)).Where(m => m.Success).Select(m => (double?)int.Parse(m.Groups["ms"].Value, CultureInfo.InvariantCulture) / 1000).LastOrDefault();
            return new BuildMeasurement(outcome, failure, AnalyzerTimes.Parse(lines), csc, diagnostics);
        }
    }
}
