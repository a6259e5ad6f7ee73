using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;
using static PackedAlloc.Runtime.Tests.TestUtil;

namespace PackedAlloc.Runtime.Tests
{
    /// <summary>
    /// Every report goes to the machine's kernel log as it happens (MachineOptions.Log: standard error by default,
    /// any TextWriter, TextWriter.Null for none), in dmesg's format, as well as to Machine.DebugReports.
    /// </summary>
    public class KernelLogTests
    {
        private static readonly Regex Line = new Regex(@"^\[ *\d{1,5}\.\d{6}\] ", RegexOptions.CultureInvariant);

        [Fact]
        public void AReportIsWrittenToTheLogWhenItHappens_OneTimestampedLinePerLine()
        {
            var log = new StringWriter();
            Machine m = Boot(log: log);
            using (m.Enter())
            {
                Device dev = m.CreateDevice("eth0", coherent: false);
                KernelPtr p = kmalloc(64, GFP_KERNEL);
                Assert.Equal("", log.ToString());
                dma_unmap_single(dev, new DmaAddr(virt_to_phys(p).Value), 64, DMA_FROM_DEVICE); // never mapped
                string written = log.ToString();                                                  // before anything else runs
                DebugReport report = Assert.Single(m.DebugReports);
                Assert.Contains("DMA-API: packedalloc eth0: device driver tries to free DMA memory it has not allocated", written, StringComparison.Ordinal);
                string[] lines = written.TrimEnd('\n').Split('\n');
                Assert.Equal(report.Message.Split('\n').Length, lines.Length);
                Assert.All(lines, l => Assert.Matches(Line, l));
                Assert.Equal(written, Format(report));
            }
        }

        [Fact]
        public void TheTimestampIsTheTimeSinceBoot_AsPrintkWritesIt()
        {
            var report = Report("WARNING: first line\nsecond line", TimeSpan.FromTicks(12_345_678_9));
            Assert.Equal("[   12.345678] WARNING: first line\n[   12.345678] second line\n", Format(report));
            Assert.Equal("[    0.000000] x\n", Format(Report("x", TimeSpan.Zero)));
        }

        [Fact]
        public void ReportsThatThrow_AreLoggedToo()
        {
            var log = new StringWriter();
            Machine m = Boot(log: log);
            using (m.Enter())
            {
                KernelPtr p = kmalloc(32, GFP_KERNEL);
                kfree(p);
                Assert.Throws<KasanException>(() => kfree(p));
                Assert.Contains("BUG: KASAN: double-free", log.ToString(), StringComparison.Ordinal);

                var lock_ = new Spinlock();
                spin_lock(lock_);
                Assert.Throws<KernelBugException>(() => spin_lock(lock_));
                spin_unlock(lock_);
                Assert.Contains("BUG: spinlock recursion", log.ToString(), StringComparison.Ordinal);
                Assert.Equal(m.DebugReports.Sum(r => r.Message.Split('\n').Length), log.ToString().TrimEnd('\n').Split('\n').Length);
            }
        }

        [Fact]
        public void ThrowOnDebugReport_LogsTheReportAndThrowsIt()
        {
            var log = new StringWriter();
            Machine m = Machine.Boot(new MachineOptions { Log = log, ThrowOnDebugReport = true });
            using (m.Enter())
            {
                Device dev = m.CreateDevice("eth0", coherent: false);
                var e = Assert.Throws<KernelBugException>(() => dma_unmap_single(dev, new DmaAddr(0x200000), 64, DMA_FROM_DEVICE));
                Assert.Contains(e.Report.Message.Split('\n')[0], log.ToString(), StringComparison.Ordinal);
            }
        }

        [Fact]
        public void ByDefault_TheLogIsStandardError_AndTextWriterNullSilencesIt()
        {
            string loud = "loud" + Guid.NewGuid().ToString("N").Substring(0, 8);
            string quiet = "quiet" + Guid.NewGuid().ToString("N").Substring(0, 8);
            var stderr = new StringWriter();
            TextWriter original = Console.Error;
            Console.SetError(TextWriter.Synchronized(stderr));
            try
            {
                UnmapUnknown(Machine.Boot(), loud);
                UnmapUnknown(Machine.Boot(new MachineOptions { Log = TextWriter.Null }), quiet);
            }
            finally
            {
                Console.SetError(original);
            }
            string printed = stderr.ToString();
            Assert.Contains($"DMA-API: packedalloc {loud}: device driver tries to free DMA memory it has not allocated", printed, StringComparison.Ordinal);
            Assert.Matches(new Regex(@"(?m)^\[ *\d+\.\d{6}\] DMA-API: packedalloc " + loud), printed);
            Assert.DoesNotContain(quiet, printed, StringComparison.Ordinal);
        }

        [Fact]
        public void TheLogCannotBeNull()
        {
            var e = Assert.Throws<ArgumentNullException>(() => new MachineOptions { Log = null! });
            Assert.Contains("TextWriter.Null", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void MachinesKeepTheirLogsApart()
        {
            var log1 = new StringWriter();
            var log2 = new StringWriter();
            UnmapUnknown(Boot(log: log1), "dev1");
            UnmapUnknown(Boot(log: log2), "dev2");
            Assert.Contains("dev1", log1.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("dev2", log1.ToString(), StringComparison.Ordinal);
            Assert.Contains("dev2", log2.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("dev1", log2.ToString(), StringComparison.Ordinal);
        }

        private static void UnmapUnknown(Machine m, string deviceName)
        {
            using (m.Enter())
            {
                Device dev = m.CreateDevice(deviceName, coherent: false);
                dma_unmap_single(dev, new DmaAddr(0x200000), 64, DMA_FROM_DEVICE);
            }
        }

        private static string Format(DebugReport report) => Diagnostics.ReportSink.Format(report);

        private static DebugReport Report(string message, TimeSpan at) => new DebugReport("test", message, null, null, at);
    }
}
