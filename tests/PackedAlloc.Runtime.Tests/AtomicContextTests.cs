using System;
using System.IO;
using System.Linq;
using PackedAlloc.Runtime;
using Xunit;
using static PackedAlloc.Runtime.Kernel;

namespace PackedAlloc.Runtime.Tests
{
    /// <summary>Atomic sections and sleeping calls (might_sleep), as rule PA0004 and PA0005 describe them.</summary>
    public class AtomicContextTests
    {
        private static Machine Boot(bool preemptCount = true) =>
            Machine.Boot(new MachineOptions { Log = TextWriter.Null, PreemptCount = preemptCount });

        private static int SleepReports(Machine m) =>
            m.DebugReports.Count(r => r.RuleId == "PA0004" && r.Message.StartsWith("BUG: sleeping function called from invalid context", StringComparison.Ordinal));

        [Theory]
        [InlineData("spin_lock")]
        [InlineData("spin_lock_irqsave")]
        [InlineData("spin_lock_bh")]
        [InlineData("preempt_disable")]
        [InlineData("rcu_read_lock")]
        [InlineData("local_irq_disable")]
        public void SleepingCalls_InAtomicSections_AreReportedWithPA0004(string section)
        {
            var m = Boot();
            using (m.Enter())
            {
                var lock_ = new Spinlock();
                var mutex = new KernelMutex();
                ulong flags = 0;
                Action enter = section switch
                {
                    "spin_lock" => () => spin_lock(lock_),
                    "spin_lock_irqsave" => () => spin_lock_irqsave(lock_, out flags),
                    "spin_lock_bh" => () => spin_lock_bh(lock_),
                    "preempt_disable" => preempt_disable,
                    "rcu_read_lock" => rcu_read_lock,
                    _ => local_irq_disable,
                };
                Action leave = section switch
                {
                    "spin_lock" => () => spin_unlock(lock_),
                    "spin_lock_irqsave" => () => spin_unlock_irqrestore(lock_, flags),
                    "spin_lock_bh" => () => spin_unlock_bh(lock_),
                    "preempt_disable" => preempt_enable,
                    "rcu_read_lock" => rcu_read_unlock,
                    _ => local_irq_enable,
                };

                enter();
                kfree(kmalloc(64, GFP_KERNEL));
                kfree(kmalloc(64, GFP_ATOMIC));     // does not sleep
                msleep(0);
                might_sleep();
                leave();
                Assert.Equal(3, SleepReports(m));

                // Outside the section the same calls are fine.
                kfree(kmalloc(64, GFP_KERNEL));
                msleep(0);
                mutex_lock(mutex);
                mutex_unlock(mutex);
                Assert.Equal(3, SleepReports(m));
            }
        }

        [Fact]
        public void MutexLock_UnderASpinlock_IsReported()
        {
            var m = Boot();
            using (m.Enter())
            {
                var lock_ = new Spinlock();
                var mutex = new KernelMutex();
                spin_lock(lock_);
                mutex_lock(mutex);
                mutex_unlock(mutex);
                spin_unlock(lock_);
                Assert.Equal(1, SleepReports(m));
            }
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void WithoutPreemptCount_InAtomicDoesNotSeeTheLock_ButTheSleepIsStillReported(bool preemptCount)
        {
            var m = Boot(preemptCount);
            using (m.Enter())
            {
                var lock_ = new Spinlock();
                spin_lock(lock_);
                bool seen = in_atomic();
                var flags = in_atomic() ? GFP_ATOMIC : GFP_KERNEL;   // the pattern PA0005 reports
                kfree(kmalloc(64, flags));
                spin_unlock(lock_);
                Assert.Equal(preemptCount, seen);
                Assert.Equal(preemptCount ? 0 : 1, SleepReports(m));
                Assert.False(in_atomic());
            }
        }

        [Fact]
        public void UnbalancedEnable_IsAKernelBug()
        {
            var m = Boot();
            using (m.Enter())
            {
                Assert.Throws<KernelBugException>(() => preempt_enable());
                Assert.Throws<KernelBugException>(() => rcu_read_unlock());
                var mutex = new KernelMutex();
                Assert.Throws<KernelBugException>(() => mutex_unlock(mutex));
            }
        }
    }
}
