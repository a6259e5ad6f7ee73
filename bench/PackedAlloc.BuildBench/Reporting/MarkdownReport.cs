using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using PackedAlloc.BuildBench.Building;

namespace PackedAlloc.BuildBench.Reporting
{
    /// <summary>The table with what is needed to compare it with a later run: date, machine, SDK, inputs, options.</summary>
    public static class MarkdownReport
    {
        public static string Write(BenchOptions options, BenchInputs inputs, string sdkVersion, IReadOnlyList<BenchRow> rows)
        {
            var text = new StringBuilder();
            text.AppendLine("# PackedAlloc build benchmark");
            text.AppendLine();
            text.AppendLine($"- date: {DateTime.Now.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}");
            text.AppendLine($"- machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.OSArchitecture}; .NET SDK {sdkVersion}");
            text.AppendLine($"- analyzer (current): `{inputs.Analyzer}`");
            if (inputs.BaselineAnalyzer != null)
            {
                text.AppendLine($"- analyzer (baseline): `{inputs.BaselineAnalyzer}`");
            }

            text.AppendLine($"- seed {options.Seed}; compile {(options.Sequential ? "sequential (/parallel-)" : "concurrent (the default)")}; timeout {options.Timeout.TotalMinutes:F0} min per build");
            if (options.AnalyzerOptions.Count > 0)
            {
                text.AppendLine("- PA0001 options: " + string.Join(", ", options.AnalyzerOptions.Select(o => $"`{o.Key} = {o.Value}`")));
            }

            text.AppendLine();
            text.AppendLine(ResultTable.Markdown(rows));
            text.AppendLine("""
                PA0001 s and CA2000 s: the analyzer's time as the compiler reports it (`-p:ReportAnalyzer=true`); in a
                concurrent compile this is the sum over threads, waits included. Csc s: the compiler task, analyzers
                included. build s: the whole `dotnet build --no-incremental` (restore excluded), with the PackedAlloc
                analyzer and without it (same project, same runtime reference, CA2000 on in both); build ratio = with /
                without.
                """);
            return text.ToString();
        }
    }
}
