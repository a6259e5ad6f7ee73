using System.Collections.Generic;
using System.IO;
using System.Linq;
using PackedAlloc.BuildBench.Corpora;
using PackedAlloc.BuildBench.Measuring;

namespace PackedAlloc.BuildBench.Reporting
{
    /// <summary>One analyzer on one corpus of one size, next to the same corpus built without it.</summary>
    /// <param name="Analyzer">"current" (the analyzer under test) or "baseline".</param>
    /// <param name="IsUnderTest">Whether this row's problems fail the run; a baseline's are only shown.</param>
    /// <param name="SourceRoot">The folder the corpus's relative paths start from.</param>
    public sealed record BenchRow(string Corpus, string Analyzer, bool IsUnderTest, GeneratedCorpus Expected, string SourceRoot, BuildMeasurement With, BuildMeasurement Without)
    {
        public int Lines => Expected.LineCount;

        public int ExpectedPa0001 => Expected.ExpectedPa0001;

        public int? Pa0001Count => With.Diagnostics?.Count("PA0001");

        public int? Pa0002Count => With.Diagnostics?.Count("PA0002");

        public int? Ad0001Count => With.Diagnostics?.Count("AD0001");

        /// <summary>Everything that makes this row's figures wrong or incomplete; empty when all is as it must be.</summary>
        public IReadOnlyList<string> Problems()
        {
            var problems = new List<string>();
            if (With.Failure != null)
            {
                problems.Add(With.Failure);
            }
            else
            {
                if (With.Pa0001Seconds == null)
                {
                    problems.Add("PA0001's analyzer did not run");
                }

                if (With.Ca2000Seconds == null)
                {
                    problems.Add("CA2000 did not run");
                }

                if (Pa0001Count != ExpectedPa0001)
                {
                    problems.Add($"{Pa0001Count} PA0001, expected {ExpectedPa0001}");
                }

                var (missing, unexpected) = Pa0001LinesCompared();
                if (missing + unexpected > 0)
                {
                    problems.Add($"PA0001 missing on {missing} marked lines, present on {unexpected} unmarked ones");
                }

                if (Ad0001Count > 0)
                {
                    problems.Add($"{Ad0001Count} AD0001");
                }
            }

            if (Without.Failure != null)
            {
                problems.Add("without the analyzer: " + Without.Failure);
            }
            else if (Without.Ca2000Seconds == null)
            {
                problems.Add("without the analyzer: CA2000 did not run");
            }

            return problems;
        }

        /// <summary>How many lines marked to carry a PA0001 have none, and how many carry one unmarked.</summary>
        private (int Missing, int Unexpected) Pa0001LinesCompared()
        {
            var reported = (With.Diagnostics?.WithId("PA0001") ?? Enumerable.Empty<BuildDiagnostic>())
                .Select(d => (Path.GetRelativePath(SourceRoot, d.Origin).Replace('\\', '/'), d.Line))
                .ToHashSet();
            return (Expected.ExpectedPa0001Lines.Count(l => !reported.Contains(l)), reported.Count(l => !Expected.ExpectedPa0001Lines.Contains(l)));
        }
    }
}
