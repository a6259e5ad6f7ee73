using System;
using System.IO;
using System.Linq;
using PackedAlloc.Demo.Designs;
using PackedAlloc.Runtime;

namespace PackedAlloc.Samples.Tests
{
    /// <summary>
    /// The bounce-design comparison (issue 12, <c>dotnet run --project samples/PackedAlloc.Demo -- designs</c>): its
    /// workload keeps every transfer intact under every design but the buggy baseline, which corrupts some; the
    /// figures it prints come from the run; the command writes its chart and refuses bad arguments.
    /// </summary>
    public class DesignComparisonTests
    {
        [Fact]
        public void Workload_IsIntactUnderEveryDesign_ButTheBaseline()
        {
            foreach (DesignComparison.Candidate c in DesignComparison.Candidates())
            {
                Machine m = Machine.Boot(c.Options);
                WorkloadResult r = DmaWorkload.Run(m, WorkloadShape.Quick);
                Assert.True(r.Transfers > 100, $"{c.Name}: {r.Transfers} transfers");
                if (c.Buggy) Assert.True(r.CorruptedTransfers > 0, $"{c.Name}: the baseline lost nothing");
                else Assert.True(r.CorruptedTransfers == 0, $"{c.Name}: {r.CorruptedTransfers} of {r.Transfers} corrupted");
                Assert.Equal(0, r.Bounce.InUseBytes); // everything back at the end
                Assert.Equal(WorkloadShape.Quick.Ticks, r.Samples.Count);
                Assert.True(r.NsPerMapUnmap > 0 && r.NsPerDirectMapUnmap > 0);
                bool bounces = c.Options.BounceDesign is BounceDesign.CoherentPool or BounceDesign.ObjectPool || c.Options.KmallocBounce;
                Assert.Equal(bounces, r.Bounce.Bounces > 0);
                Assert.Equal(bounces, r.Samples.Any(s => s.InUseBytes > 0));
            }
        }

        /// <summary>The trade-offs the comparison exists to show, read from the runs rather than typed in.</summary>
        [Fact]
        public void Workload_ShowsEachDesignsCost()
        {
            WorkloadResult Run(string name) => DmaWorkload.Run(Machine.Boot(DesignComparison.Candidates().Single(c => c.Name.StartsWith(name, StringComparison.Ordinal)).Options), WorkloadShape.Full);
            WorkloadResult disabled = Run("packed disabled"), swiotlb = Run("swiotlb"), coherent = Run("coherent pool"), objects = Run("object pool");
            Assert.True(disabled.PeakSlabPaddingBytes > 2 * swiotlb.PeakSlabPaddingBytes, "packing saves slab memory");
            Assert.True(swiotlb.Bounce.ReservedBytes > 100 * coherent.Bounce.ReservedBytes, "the swiotlb reserves far more than a pool");
            Assert.True(coherent.Bounce.Growths > 0 && coherent.Bounce.ReservedBytes > DesignComparison.PoolStart, "the bursts grow the coherent pool");
            Assert.True(coherent.CacheMaintenance < objects.CacheMaintenance, "the uncached pool needs fewer cache operations");
            Assert.True(objects.Bounce.AtomicFallbacks > 0, "the bursts outrun the refill worker");
        }

        [Theory]
        [InlineData(".png", new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' })]
        [InlineData(".svg", new byte[] { (byte)'<' })]
        public void Command_PrintsItsTable_AndWritesItsChart(string extension, byte[] magic)
        {
            string chart = Path.Combine(Path.GetTempPath(), $"packedalloc-designs-{Guid.NewGuid():N}{extension}");
            var output = new StringWriter();
            TextWriter previous = Console.Out;
            Console.SetOut(output);
            try
            {
                Assert.Equal(0, DesignComparison.Run(new[] { "--quick", "--chart", chart }));
            }
            finally
            {
                Console.SetOut(previous);
            }
            string text = output.ToString();
            foreach (DesignComparison.Candidate c in DesignComparison.Candidates()) Assert.Contains(c.Name, text);
            Assert.Contains("GFP_ATOMIC fallbacks", text);
            Assert.Contains("OK: every design but the baseline kept every transfer intact", text);
            byte[] head = File.ReadAllBytes(chart).Take(magic.Length).ToArray();
            File.Delete(chart);
            Assert.Equal(magic, head);
        }

        [Theory]
        [InlineData("--chart")]
        [InlineData("--bogus")]
        public void Command_RefusesBadArguments(string arg)
        {
            var error = new StringWriter();
            TextWriter previous = Console.Error;
            Console.SetError(error);
            try
            {
                Assert.Equal(2, DesignComparison.Run(new[] { arg }));
            }
            finally
            {
                Console.SetError(previous);
            }
            Assert.StartsWith("designs: ", error.ToString());
        }
    }
}
