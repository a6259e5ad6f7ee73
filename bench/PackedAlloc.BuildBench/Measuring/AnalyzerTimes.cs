using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;

namespace PackedAlloc.BuildBench.Measuring
{
    /// <summary>
    /// The compiler's "Total analyzer execution time" block (printed with -p:ReportAnalyzer=true at detailed
    /// verbosity): the total, then per analyzer assembly a line with its time and, indented deeper, one line per
    /// analyzer type with its time and the diagnostic ids it reports, e.g.
    /// <code>
    /// Total analyzer execution time: 0.520 seconds.
    ///
    /// Time (s)    %   Analyzer
    ///    0.252   48   PackedAlloc.Analyzers, Version=0.1.0.0, Culture=neutral, PublicKeyToken=null
    ///    0.252   48      PackedAlloc.Analyzers.Rules.DmaFlowAnalyzer (PA0001, PA0002)
    /// </code>
    /// Times below a millisecond print as "&lt;0.001" and count as zero.
    /// </summary>
    public sealed class AnalyzerTimes
    {
        private static readonly Regex Total = new(@"Total analyzer execution time: (?<s>[\d.,]+) seconds", RegexOptions.CultureInvariant);
        private static readonly Regex Row = new(@"^\s*(?<s><?[\d.,]+)\s+<?\d+(?<indent>\s+)(?<name>\S.*?)\s*$", RegexOptions.CultureInvariant);

        private readonly IReadOnlyDictionary<string, double> _byAnalyzerType;

        private AnalyzerTimes(double totalSeconds, IReadOnlyDictionary<string, double> byAnalyzerType)
        {
            TotalSeconds = totalSeconds;
            _byAnalyzerType = byAnalyzerType;
        }

        public double TotalSeconds { get; }

        /// <summary>Null when the log has no timing block (the compiler did not run, or ReportAnalyzer was lost).</summary>
        public static AnalyzerTimes? Parse(IReadOnlyList<string> lines)
        {
            int totalLine = IndexOf(lines, 0, l => Total.IsMatch(l));
            if (totalLine < 0)
            {
                return null;
            }

            double total = Seconds(Total.Match(lines[totalLine]).Groups["s"].Value);

            // The rows start after the column header (a NOTE line may come first). Analyzer types are the rows whose
            // name is indented deeper than their assembly's: the time and percent columns are right-aligned, so only
            // the name column shows the nesting. The block ends at the first line that is neither a row nor blank.
            var byType = new Dictionary<string, double>(StringComparer.Ordinal);
            int header = IndexOf(lines, totalLine + 1, l => l.Contains("Time (s)", StringComparison.Ordinal));
            int assemblyIndent = -1;
            for (int i = header < 0 ? lines.Count : header + 1; i < lines.Count; i++)
            {
                string line = Unprefixed(lines[i]);
                if (line.Trim().Length == 0)
                {
                    continue;
                }

                var row = Row.Match(line);
                if (!row.Success)
                {
                    break;
                }

                int indent = row.Groups["indent"].Length;
                if (assemblyIndent < 0 || indent <= assemblyIndent)
                {
                    assemblyIndent = indent;
                    continue;
                }

                // "Namespace.TypeName (ID1, ID2)": keyed by the simple type name.
                string name = row.Groups["name"].Value;
                int paren = name.IndexOf(" (", StringComparison.Ordinal);
                string fullType = paren < 0 ? name : name.Substring(0, paren);
                string simpleType = fullType.Substring(fullType.LastIndexOf('.') + 1);
                byType[simpleType] = byType.GetValueOrDefault(simpleType) + Seconds(row.Groups["s"].Value);
            }

            return new AnalyzerTimes(total, byType);
        }

        /// <summary>The analyzer type's time in seconds, or null when it did not run.</summary>
        public double? Of(string analyzerTypeName) => _byAnalyzerType.TryGetValue(analyzerTypeName, out var seconds) ? seconds : null;

        private static int IndexOf(IReadOnlyList<string> lines, int from, Func<string, bool> predicate)
        {
            for (int i = from; i < lines.Count; i++)
            {
                if (predicate(lines[i]))
                {
                    return i;
                }
            }

            return -1;
        }

        /// <summary>MSBuild prefixes lines of a multi-node build with "node>" (e.g. "1:7>"); the timing block's columns need it gone.</summary>
        internal static string Unprefixed(string line)
        {
            var prefix = Regex.Match(line, @"^\s*\d+(:\d+)?>");
            return prefix.Success ? line.Substring(prefix.Length) : line;
        }

        private static double Seconds(string text) =>
            text.StartsWith('<') ? 0 : double.Parse(text.Replace(',', '.'), NumberStyles.Float, CultureInfo.InvariantCulture);
    }
}
