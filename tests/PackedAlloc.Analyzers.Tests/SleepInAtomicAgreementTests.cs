using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>
    /// PA0004 and the kernel's might_sleep report ("BUG: sleeping function called from invalid context", rule id
    /// PA0004) on the same drivers, compiled, analysed and run on the emulated machine: they agree both ways.
    /// </summary>
    public class SleepInAtomicAgreementTests
    {
        public static IEnumerable<object[]> Drivers() => new[]
        {
            new object[] { "GFP_KERNEL under a spinlock", @"
        spin_lock(_lock);
        kfree(kmalloc(64, GFP_KERNEL));
        spin_unlock(_lock);", true },
            new object[] { "GFP_ATOMIC under a spinlock", @"
        spin_lock(_lock);
        kfree(kmalloc(64, GFP_ATOMIC));
        spin_unlock(_lock);", false },
            new object[] { "GFP_KERNEL after the unlock", @"
        spin_lock(_lock);
        spin_unlock(_lock);
        kfree(kmalloc(64, GFP_KERNEL));", false },
            new object[] { "a helper's GFP_KERNEL allocation under rcu_read_lock", @"
        rcu_read_lock();
        kfree(Alloc(GFP_KERNEL));
        rcu_read_unlock();", true },
            new object[] { "msleep with interrupts disabled", @"
        local_irq_disable();
        msleep(0);
        local_irq_enable();", true },
            new object[] { "mutex_lock under preempt_disable", @"
        preempt_disable();
        mutex_lock(_mutex);
        mutex_unlock(_mutex);
        preempt_enable();", true },
            new object[] { "mutex_lock outside any section", @"
        mutex_lock(_mutex);
        kfree(kmalloc(64, GFP_KERNEL));
        mutex_unlock(_mutex);", false },
        };

        [Theory]
        [MemberData(nameof(Drivers))]
        public async Task TheRuleAndMightSleep_Agree(string what, string body, bool sleepsInAtomic)
        {
            string source = DriverRun.Source(@"    private static readonly Spinlock _lock = new Spinlock();
    private static readonly KernelMutex _mutex = new KernelMutex();

    private static KernelPtr Alloc(GfpFlags gfp) => kmalloc(64, gfp);", body);
            var (diagnostics, reports) = await DriverRun.AnalyseAndRunAsync(source);
            bool warned = diagnostics.Any(d => d.Id == Descriptors.SleepInAtomicContextId);
            bool reported = reports.Any(r => r.RuleId == Descriptors.SleepInAtomicContextId);
            Assert.True(sleepsInAtomic == reported, $"{what}: the kernel {(reported ? "reported" : "did not report")} a sleep in atomic context");
            Assert.True(reported == warned, $"{what}: PA0004 {(warned ? "warned" : "was silent")}");
        }
    }
}
