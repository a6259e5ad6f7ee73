using System.Collections.Generic;

namespace PackedAlloc.Runtime.Diagnostics
{
    /// <summary>Collects a machine's reports; optionally throws each one.</summary>
    internal sealed class ReportSink
    {
        private readonly object _lock = new object();
        private readonly List<DebugReport> _reports = new List<DebugReport>();
        private readonly Machine _machine;

        public ReportSink(Machine machine, bool throwOnReport)
        {
            _machine = machine;
            Throw = throwOnReport;
        }

        public bool Throw { get; set; }

        /// <summary>Records a report (a WARN or a dma-debug error); throws it when the machine asks for that.</summary>
        public DebugReport Report(string subsystem, string message, string? ruleId = null, Device? dev = null)
        {
            var report = new DebugReport(subsystem, message, ruleId, dev?.Name);
            lock (_lock) _reports.Add(report);
            if (Throw) throw new KernelBugException(report);
            return report;
        }

        /// <summary>Records a KASAN report and always throws it: the access must not go ahead.</summary>
        public KasanException Kasan(string message)
        {
            var report = new DebugReport("kasan", message, null, null);
            lock (_lock) _reports.Add(report);
            return new KasanException(report);
        }

        /// <summary>Records a kernel BUG and returns the exception to throw.</summary>
        public KernelBugException Bug(string subsystem, string message, Device? dev = null)
        {
            var report = new DebugReport(subsystem, message, null, dev?.Name);
            lock (_lock) _reports.Add(report);
            return new KernelBugException(report);
        }

        public IReadOnlyList<DebugReport> Snapshot()
        {
            lock (_lock) return _reports.ToArray();
        }

        public void Clear()
        {
            lock (_lock) _reports.Clear();
        }

        internal Machine Machine => _machine;
    }
}
