using System.Linq;
using System.Threading.Tasks;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>
    /// What PA0005 warns about, shown on the emulated machine: flags chosen by in_atomic() under a spinlock make a
    /// sleeping allocation (the kernel's PA0004 report) on a kernel without CONFIG_PREEMPT_COUNT, and not with it.
    /// </summary>
    public class FlagsByInAtomicAgreementTests
    {
        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public async Task OnAKernelWithoutPreemptCount_TheChoiceSleepsUnderALock(bool preemptCount)
        {
            string source = @"using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;

public static class Driver
{
    private static readonly Spinlock _lock = new Spinlock();

    private static KernelPtr Grow(int size) => kmalloc(size, in_atomic() ? GFP_ATOMIC : GFP_KERNEL);

    public static void Run(Device dev, KernelPtr buf)
    {
        spin_lock(_lock);
        kfree(Grow(64));
        spin_unlock(_lock);
    }
}
";
            var (diagnostics, reports) = await DriverRun.AnalyseAndRunAsync(source, preemptCount);
            Assert.Single(diagnostics, d => d.Id == Descriptors.FlagsChosenByInAtomicId);
            // The flags may be GFP_KERNEL, and the helper runs under the lock: PA0004 reports the allocation too.
            Assert.Single(diagnostics, d => d.Id == Descriptors.SleepInAtomicContextId);
            Assert.Equal(preemptCount ? 0 : 1, reports.Count(r => r.RuleId == Descriptors.SleepInAtomicContextId));
        }
    }
}
