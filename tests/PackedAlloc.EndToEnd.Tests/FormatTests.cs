using System;
using System.Linq;
using PackedAlloc.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PackedAlloc.EndToEnd.Tests
{
    /// <summary>`dotnet format analyzers` applies the package's PA0001 fixes (issue 4) and PA0003's (issue 11) to a consumer.</summary>
    [Collection(PackagesCollection.Name)]
    public class FormatTests
    {
        private readonly PackagesFixture _packages;
        private readonly ITestOutputHelper _output;

        public FormatTests(PackagesFixture packages, ITestOutputHelper output)
        {
            _packages = packages;
            _output = output;
        }

        /// <summary>
        /// Three fixers offer a fix for PA0001. What `dotnet format` (SDK 10.0.401) does with them, found by running
        /// it and by reading its AnalyzerFormatter / SolutionCodeFixApplier: it analyses once, then for the
        /// diagnostic ID tries each fixer in the order of their types in PackedAlloc.CodeFixes.dll. A fixer gets the
        /// first diagnostic's first action, and its equivalence key picks that fix for a solution-wide Fix All over
        /// every diagnostic; once one fixer changed the solution, the later ones change nothing. The CodeFixes
        /// project therefore lists MapThroughSwiotlb first: it is offered for every dma_map_single(_attrs), so the
        /// result is fix 2 on every mapping, whatever their arguments (fix 3 declines arguments with side effects),
        /// and nothing else: Buffers.cs and the flags keep __GFP_PACKED.
        /// </summary>
        [Fact]
        public void FormatAnalyzers_MapsEveryPA0001ThroughTheSwiotlb_AndTheResultBuildsClean()
        {
            var consumer = _packages.CreateRuntimeConsumer("format", FixableDriver.Sources);

            var before = Log(consumer.Build());
            Assert.True(before.Succeeded, before.ToString());
            BuildAssert.AnalyzerLoaded(before);
            Assert.Equal(
                FixableDriver.Hazards.Select(h => (System.IO.Path.Combine(consumer.Directory, h.File), h.Line)),
                before.WithId("PA0001").Select(d => (d.File, d.Line)).OrderBy(d => d.Line));

            var format = Log(consumer.Format("analyzers", "--diagnostics", "PA0001", "--severity", "warn", "--no-restore", "-v", "diag"));
            Assert.True(format.Succeeded, format.ToString());
            // A fixer that declines still exits 0: the files themselves show what was applied.
            Assert.DoesNotContain("Unable to fix", format.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("Failed to apply", format.Output, StringComparison.Ordinal);
            foreach (var (file, expected) in FixableDriver.MapThroughSwiotlb)
            {
                Assert.Equal(expected, FixableDriver.Normalize(consumer.Read(file)));
            }

            var verify = Log(consumer.Format("analyzers", "--diagnostics", "PA0001", "--severity", "warn", "--no-restore", "--verify-no-changes"));
            Assert.True(verify.Succeeded, "nothing may be left to fix\n" + verify);

            var after = Log(consumer.Build());
            Assert.True(after.Succeeded, after.ToString());
            BuildAssert.AnalyzerLoaded(after);
            Assert.Empty(after.WithId("PA0001"));
            Assert.DoesNotContain(after.Diagnostics, d => d.Severity == "error");
        }

        private const string UncheckedDriver =
@"using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;

namespace Consumer
{
    public sealed class Ring
    {
        private DmaAddr _rx;

        public int Open(Device dev, KernelPtr buf)
        {
            if (buf.IsNull) return -22;
            _rx = dma_map_single(dev, buf, 2048, DMA_FROM_DEVICE);
            return 0;
        }

        public void Send(Device dev, KernelPtr buf)
        {
            DmaAddr addr = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
            dma_unmap_single(dev, addr, 64, DMA_TO_DEVICE);
        }
    }
}
";

        private const string CheckedDriver =
@"using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;

namespace Consumer
{
    public sealed class Ring
    {
        private DmaAddr _rx;

        public int Open(Device dev, KernelPtr buf)
        {
            if (buf.IsNull) return -22;
            _rx = dma_map_single(dev, buf, 2048, DMA_FROM_DEVICE);
            if (dma_mapping_error(dev, _rx))
            {
                return -22;
            }

            return 0;
        }

        public void Send(Device dev, KernelPtr buf)
        {
            DmaAddr addr = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
            if (dma_mapping_error(dev, addr))
            {
                return;
            }

            dma_unmap_single(dev, addr, 64, DMA_TO_DEVICE);
        }
    }
}
";

        /// <summary>PA0003's fix through `dotnet format analyzers` on a packaged consumer: every mapping gets its check, and the build is clean.</summary>
        [Fact]
        public void FormatAnalyzers_ChecksEveryPA0003Mapping_AndTheResultBuildsClean()
        {
            var consumer = _packages.CreateRuntimeConsumer("format-pa0003", new System.Collections.Generic.Dictionary<string, string> { ["Ring.cs"] = UncheckedDriver });

            var before = Log(consumer.Build());
            Assert.True(before.Succeeded, before.ToString());
            BuildAssert.AnalyzerLoaded(before);
            Assert.Equal(new[] { 13, 19 }, before.WithId("PA0003").Select(d => d.Line).OrderBy(l => l));

            var format = Log(consumer.Format("analyzers", "--diagnostics", "PA0003", "--severity", "warn", "--no-restore", "-v", "diag"));
            Assert.True(format.Succeeded, format.ToString());
            Assert.Equal(FixableDriver.Normalize(CheckedDriver), FixableDriver.Normalize(consumer.Read("Ring.cs")));

            var after = Log(consumer.Build());
            Assert.True(after.Succeeded, after.ToString());
            Assert.Empty(after.WithId("PA0003"));
            Assert.DoesNotContain(after.Diagnostics, d => d.Severity == "error");
        }

        private const string PortBefore =
@"using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;

namespace Consumer
{
    public sealed class Port
    {
        private readonly Spinlock _lock = new Spinlock();

        public KernelPtr Refill()
        {
            spin_lock(_lock);
            KernelPtr p = kmalloc(64, GFP_KERNEL | __GFP_ZERO);
            spin_unlock(_lock);
            return p;
        }

        public byte Peek(Device dev, KernelPtr buf)
        {
            DmaAddr addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
            if (dma_mapping_error(dev, addr))
            {
                return 0;
            }

            byte first = buf.ToArray(1)[0];
            dma_unmap_single(dev, addr, 32, DMA_FROM_DEVICE);
            return first;
        }
    }
}
";

        private const string PortAfter =
@"using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;

namespace Consumer
{
    public sealed class Port
    {
        private readonly Spinlock _lock = new Spinlock();

        public KernelPtr Refill()
        {
            spin_lock(_lock);
            KernelPtr p = kmalloc(64, GFP_ATOMIC | __GFP_ZERO);
            spin_unlock(_lock);
            return p;
        }

        public byte Peek(Device dev, KernelPtr buf)
        {
            DmaAddr addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
            if (dma_mapping_error(dev, addr))
            {
                return 0;
            }

            dma_sync_single_for_cpu(dev, addr, 64, DMA_FROM_DEVICE);
            byte first = buf.ToArray(1)[0];
            dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);
            return first;
        }
    }
}
";

        /// <summary>The fixes of PA0004 (GFP_ATOMIC), PA0006 (sync for the CPU) and PA0007 (the mapping's size) through `dotnet format analyzers` on a packaged consumer.</summary>
        [Fact]
        public void FormatAnalyzers_FixesPA0004PA0006PA0007_AndTheResultBuildsClean()
        {
            var consumer = _packages.CreateRuntimeConsumer("format-more", new System.Collections.Generic.Dictionary<string, string> { ["Port.cs"] = PortBefore });

            var before = Log(consumer.Build());
            Assert.True(before.Succeeded, before.ToString());
            Assert.Equal(new[] { ("PA0004", 13), ("PA0006", 26), ("PA0007", 27) },
                before.Diagnostics.Where(d => d.Id is "PA0004" or "PA0006" or "PA0007").Select(d => (d.Id, d.Line)).Distinct().OrderBy(d => d.Line));

            foreach (var id in new[] { "PA0004", "PA0006", "PA0007" })
            {
                var format = Log(consumer.Format("analyzers", "--diagnostics", id, "--severity", "warn", "--no-restore"));
                Assert.True(format.Succeeded, format.ToString());
            }

            Assert.Equal(FixableDriver.Normalize(PortAfter), FixableDriver.Normalize(consumer.Read("Port.cs")));
            var after = Log(consumer.Build());
            Assert.True(after.Succeeded, after.ToString());
            Assert.DoesNotContain(after.Diagnostics, d => d.Id.StartsWith("PA", StringComparison.Ordinal) || d.Severity == "error");
        }

        private CommandResult Log(CommandResult result)
        {
            _output.WriteLine(result.ToString());
            return result;
        }
    }
}
