using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace PackedAlloc.Runtime.Diagnostics
{
    /// <summary>
    /// A machine's reports: each one is written to the machine's kernel log as it happens (printk, with the time since
    /// boot), kept for <see cref="Machine.DebugReports"/>, and optionally thrown.
    /// </summary>
    internal sealed class ReportSink
    {
        private readonly object _lock = new object();
        private readonly List<DebugReport> _reports = new List<DebugReport>();
        private readonly Machine _machine;
        private readonly Stopwatch _sinceBoot = Stopwatch.StartNew();

        public ReportSink(Machine machine, bool throwOnReport)
        {
            _machine = machine;
            Throw = throwOnReport;
        }

        public bool Throw { get; set; }

        /// <summary>Records a report (a WARN or a dma-debug error); throws it when the machine asks for that.</summary>
        public DebugReport Report(string subsystem, string message, string? ruleId = null, Device? dev = null)
        {
            var report = Add(subsystem, message, ruleId, dev);
            if (Throw) throw new KernelBugException(report);
            return report;
        }

        /// <summary>Records a KASAN report and always throws it: the access must not go ahead.</summary>
        public KasanException Kasan(string message) => new KasanException(Add("kasan", message, null, null));

        /// <summary>Records a kernel BUG and returns the exception to throw.</summary>
        public KernelBugException Bug(string subsystem, string message, Device? dev = null) => new KernelBugException(Add(subsystem, message, null, dev));

        public IReadOnlyList<DebugReport> Snapshot()
        {
            lock (_lock) return _reports.ToArray();
        }

        public void Clear()
        {
            lock (_lock) _reports.Clear();
        }

        internal Machine Machine => _machine;

        private DebugReport Add(string subsystem, string message, string? ruleId, Device? dev)
        {
            lock (_lock)
            {
                var report = new DebugReport(subsystem, message, ruleId, dev?.Name, _sinceBoot.Elapsed);
                _reports.Add(report);
                // Under the lock, so that the log shows reports in the order DebugReports has them, whole.
                var log = _machine.Options.Log;
                log.Write(Format(report));
                log.Flush();
                return report;
            }
        }

        /// <summary>
        /// The report as the kernel's log (dmesg) shows it: every line prefixed with the time since boot,
        /// <c>[%5lu.%06lu] </c> as printk writes it.
        /// </summary>
        internal static string Format(DebugReport report)
        {
            long micros = report.Timestamp.Ticks / (TimeSpan.TicksPerMillisecond / 1000);
            string prefix = string.Format(CultureInfo.InvariantCulture, "[{0,5}.{1:D6}] ", micros / 1_000_000, micros % 1_000_000);
            var text = new StringBuilder();
            foreach (string line in report.Message.Split('\n'))
            {
                text.Append(prefix).Append(line.TrimEnd('\r')).Append('\n');
            }
            return text.ToString();
        }
    }
}
