using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace PackedAlloc.BuildBench.Reporting
{
    /// <summary>The benchmark's table, as aligned plain text for the console and as markdown.</summary>
    public static class ResultTable
    {
        private static readonly string[] Headers =
        {
            "corpus", "lines", "analyzer", "PA0001 s", "CA2000 s", "PA0001/CA2000", "all analyzers s", "Csc s",
            "build s", "build s w/o", "build ratio", "PA0001 (expected)", "PA0002", "AD0001", "status",
        };

        public static string PlainText(IReadOnlyList<BenchRow> rows)
        {
            var cells = rows.Select(Cells).ToList();
            var widths = Headers.Select((h, i) => cells.Select(c => c[i].Length).Append(h.Length).Max()).ToArray();
            var text = new StringBuilder();
            void Line(IReadOnlyList<string> values) =>
                text.AppendLine(string.Join("  ", values.Select((v, i) => IsText(i) ? v.PadRight(widths[i]) : v.PadLeft(widths[i]))).TrimEnd());
            Line(Headers);
            Line(widths.Select(w => new string('-', w)).ToList());
            cells.ForEach(Line);
            return text.ToString();
        }

        public static string Markdown(IReadOnlyList<BenchRow> rows)
        {
            var text = new StringBuilder();
            text.AppendLine("| " + string.Join(" | ", Headers) + " |");
            text.AppendLine("|" + string.Concat(Headers.Select((_, i) => IsText(i) ? "---|" : "---:|")));
            foreach (var row in rows)
            {
                text.AppendLine("| " + string.Join(" | ", Cells(row).Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))) + " |");
            }

            return text.ToString();
        }

        /// <summary>Names and the status read left-aligned; figures right-aligned.</summary>
        private static bool IsText(int column) => Headers[column] is "corpus" or "analyzer" or "status";

        private static string[] Cells(BenchRow row)
        {
            var with = row.With;
            var without = row.Without;
            var problems = row.Problems();
            return new[]
            {
                row.Corpus,
                row.Lines.ToString(CultureInfo.InvariantCulture),
                row.Analyzer,
                Seconds(with.Pa0001Seconds),
                Seconds(with.Ca2000Seconds),
                Ratio(with.Pa0001Seconds, with.Ca2000Seconds),
                Seconds(with.Analyzers?.TotalSeconds),
                Seconds(with.CscSeconds),
                with.Outcome.TimedOut ? "timed out" : Seconds(with.BuildSeconds),
                without.Outcome.TimedOut ? "timed out" : Seconds(without.BuildSeconds),
                Ratio(with.BuildSeconds, without.BuildSeconds),
                $"{Count(row.Pa0001Count)} ({row.ExpectedPa0001})",
                Count(row.Pa0002Count),
                Count(row.Ad0001Count),
                problems.Count == 0 ? "ok" : (row.IsUnderTest ? "FAIL: " : "differs: ") + string.Join("; ", problems),
            };
        }

        private static string Seconds(double? seconds) => seconds?.ToString("F2", CultureInfo.InvariantCulture) ?? "-";

        private static string Ratio(double? numerator, double? denominator) =>
            numerator is double n && denominator is double d && d > 0 ? (n / d).ToString("F2", CultureInfo.InvariantCulture) + "×" : "-";

        private static string Count(int? count) => count?.ToString(CultureInfo.InvariantCulture) ?? "-";
    }
}
