using System;
using System.Collections.Generic;
using System.IO;
using PackedAlloc.BuildBench.Building;
using PackedAlloc.BuildBench.Corpora;
using PackedAlloc.BuildBench.Measuring;
using PackedAlloc.BuildBench.Reporting;

namespace PackedAlloc.BuildBench
{
    /// <summary>For each size and corpus: generates it, builds it without the analyzer, with it, and with the baseline.</summary>
    public sealed class BenchRunner
    {
        private readonly BenchOptions _options;
        private readonly BenchInputs _inputs;
        private readonly ConsumerBuild _build;

        public BenchRunner(BenchOptions options, BenchInputs inputs)
        {
            _options = options;
            _inputs = inputs;
            _build = new ConsumerBuild(options.Timeout, options.Sequential);
        }

        public IReadOnlyList<BenchRow> RunAll()
        {
            var rows = new List<BenchRow>();
            foreach (int size in _options.SizesInLines)
            {
                foreach (var kind in _options.Corpora)
                {
                    rows.AddRange(Run(kind, size));
                }
            }

            return rows;
        }

        private IEnumerable<BenchRow> Run(CorpusKind kind, int size)
        {
            var corpus = CorpusGenerator.Generate(kind, size, _options.Seed);
            int lines = corpus.LineCount;
            string label = $"{kind.Name()} {lines} lines";
            var workspace = ConsumerWorkspace.Create(Path.Combine(_options.WorkDirectory, $"{kind.Name()}-{size}"), corpus, _options.AnalyzerOptions);
            Console.WriteLine($"[{label}] {corpus.Files.Count} files in {workspace.Directory}, {corpus.ExpectedPa0001} PA0001 expected");

            var without = Measure(label, workspace, "without", analyzer: null);
            yield return new BenchRow(kind.Name(), "current", IsUnderTest: true, corpus, workspace.SourceDirectory, Measure(label, workspace, "current", _inputs.Analyzer), without);
            if (_inputs.BaselineAnalyzer != null)
            {
                yield return new BenchRow(kind.Name(), "baseline", IsUnderTest: false, corpus, workspace.SourceDirectory, Measure(label, workspace, "baseline", _inputs.BaselineAnalyzer), without);
            }
        }

        private BuildMeasurement Measure(string label, ConsumerWorkspace workspace, string variant, string? analyzer)
        {
            var measurement = _build.Run(workspace.WriteProject(variant, _inputs.Runtime, analyzer));
            string figures = measurement.Failure ?? $"{measurement.BuildSeconds:F1} s, PA0001 analyzer {Format(measurement.Pa0001Seconds)}, CA2000 {Format(measurement.Ca2000Seconds)}, {measurement.Diagnostics?.Count("PA0001")} PA0001";
            Console.WriteLine($"[{label}] {variant}: {figures} ({measurement.Outcome.LogPath})");
            return measurement;
        }

        private static string Format(double? seconds) => seconds == null ? "did not run" : $"{seconds:F2} s";
    }
}
