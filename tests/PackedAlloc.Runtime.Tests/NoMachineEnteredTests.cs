using System;
using System.Threading;
using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;
using static PackedAlloc.Runtime.Tests.TestUtil;

namespace PackedAlloc.Runtime.Tests
{
    /// <summary>
    /// There is no hidden default machine: a Kernel function called with no machine entered says so and names
    /// itself, instead of allocating on a machine the program never booted.
    /// </summary>
    public class NoMachineEnteredTests
    {
        /// <summary>Runs <paramref name="body"/> on a thread that inherits no entered machine from the test runner.</summary>
        private static void OnFreshThread(Action body)
        {
            Exception? failure = null;
            Thread thread;
            using (ExecutionContext.SuppressFlow())
            {
                thread = new Thread(() =>
                {
                    try { body(); }
                    catch (Exception e) { failure = e; }
                });
                thread.Start();
            }
            thread.Join();
            if (failure != null) throw new Xunit.Sdk.XunitException("on the fresh thread: " + failure);
        }

        [Fact]
        public void KernelCallWithNoMachineEntered_NamesTheCallAndTheCause()
        {
            OnFreshThread(() =>
            {
                var e = Assert.Throws<InvalidOperationException>(() => kmalloc(24, GFP_KERNEL | __GFP_PACKED));
                Assert.StartsWith("kmalloc: no machine is entered", e.Message, StringComparison.Ordinal);
                Assert.Contains("machine.Enter()", e.Message, StringComparison.Ordinal);
                Assert.StartsWith("kzalloc: no machine", Assert.Throws<InvalidOperationException>(() => kzalloc(8, GFP_KERNEL)).Message, StringComparison.Ordinal);
                Assert.StartsWith("phys_to_virt: no machine", Assert.Throws<InvalidOperationException>(() => phys_to_virt(new PhysAddr(0x200000))).Message, StringComparison.Ordinal);
                Assert.StartsWith("Machine.Current: no machine", Assert.Throws<InvalidOperationException>(() => Machine.Current).Message, StringComparison.Ordinal);
            });
        }

        [Fact]
        public void WithAMachineEntered_TheSameCallsWork_AndAfterTheScopeTheyFailAgain()
        {
            OnFreshThread(() =>
            {
                Machine m = Boot();
                KernelPtr p;
                using (m.Enter())
                {
                    p = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
                    Assert.False(p.IsNull);
                    Assert.Same(m, Machine.Current);
                }
                Assert.Throws<InvalidOperationException>(() => kmalloc(24, GFP_KERNEL));
                // A pointer remembers its machine: it works outside the scope, as before.
                p.Write(new byte[] { 1, 2, 3 });
                kfree(p);
            });
        }

        [Fact]
        public void FreeingNull_NeedsNoMachine()
        {
            OnFreshThread(() =>
            {
                kfree(NULL);
                kfree(ZERO_SIZE_PTR);
                Assert.Equal(0, ksize(NULL));
            });
        }

        [Fact]
        public void APointerOfNoMachine_SaysSoWhenUsed()
        {
            OnFreshThread(() =>
            {
                var e = Assert.Throws<InvalidOperationException>(() => new KernelPtr(0xffff_0000_0020_0000UL).AsSpan(4));
                Assert.Contains("no machine is entered", e.Message, StringComparison.Ordinal);
                Assert.StartsWith("kfree: no machine", Assert.Throws<InvalidOperationException>(() => kfree(new KernelPtr(0xffff_0000_0020_0000UL))).Message, StringComparison.Ordinal);
            });
        }
    }
}
