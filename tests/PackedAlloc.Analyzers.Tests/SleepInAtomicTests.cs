using System.Threading.Tasks;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>PA0004: every claim of docs/rules/PA0004.md, both ways.</summary>
    public class SleepInAtomicTests
    {
        [Theory]
        [InlineData("spin_lock(_lock);", "spin_unlock(_lock);")]
        [InlineData("spin_lock_irqsave(_lock, out ulong flags);", "spin_unlock_irqrestore(_lock, flags);")]
        [InlineData("spin_lock_bh(_lock);", "spin_unlock_bh(_lock);")]
        [InlineData("preempt_disable();", "preempt_enable();")]
        [InlineData("rcu_read_lock();", "rcu_read_unlock();")]
        [InlineData("local_irq_disable();", "local_irq_enable();")]
        public Task SleepingAllocation_InsideEverySection_Warns_AndAfterItDoesNot(string open, string close) =>
            Verify.AtomicAnalyzer(@"
class Driver
{
    private readonly Spinlock _lock = new Spinlock();

    void Refill()
    {
        " + open + @"
        KernelPtr inside = {|#0:kmalloc(64, GFP_KERNEL)|};
        KernelPtr atomic = kmalloc(64, GFP_ATOMIC);
        " + close + @"
        KernelPtr after = kmalloc(64, GFP_KERNEL);
    }
}", Verify.Sleep());

        /// <summary>
        /// A limit (PA0004.md, "What it does not follow"): inside a loop, a lock taken and released under the same
        /// condition is not correlated, and a sleeping call later in the loop is reported though no iteration reaches
        /// it holding the lock. Taking and releasing the lock in one branch is followed. Found on the repository's own
        /// comparison workload (samples/PackedAlloc.Demo/Designs).
        /// </summary>
        [Fact]
        public Task LockAndUnlockUnderTheSameCondition_AreNotCorrelated_AFalseWarning() =>
            Verify.AtomicAnalyzer(@"
class Driver
{
    private readonly Spinlock _lock = new Spinlock();

    void Correlated(bool[] atomic, Device dev, DmaAddr[] addrs)
    {
        for (int i = 0; i < addrs.Length; i++)
        {
            if (atomic[i]) spin_lock(_lock);
            dma_unmap_single(dev, addrs[i], 64, DMA_FROM_DEVICE);
            if (atomic[i]) spin_unlock(_lock);
            KernelPtr next = {|#0:kmalloc(64, GFP_KERNEL)|};
        }
    }

    void OneBranch(bool[] atomic, Device dev, DmaAddr[] addrs)
    {
        for (int i = 0; i < addrs.Length; i++)
        {
            if (atomic[i])
            {
                spin_lock(_lock);
                dma_unmap_single(dev, addrs[i], 64, DMA_FROM_DEVICE);
                spin_unlock(_lock);
            }
            else
            {
                dma_unmap_single(dev, addrs[i], 64, DMA_FROM_DEVICE);
            }
            KernelPtr next = kmalloc(64, GFP_KERNEL);
        }
    }
}", Verify.Sleep());

        [Theory]
        [InlineData("kzalloc(64, GFP_KERNEL)", true)]
        [InlineData("kcalloc(4, 16, GFP_NOIO)", true)]
        [InlineData("kmalloc(64, GFP_NOFS | __GFP_ZERO)", true)]
        [InlineData("kmem_cache_alloc(cache, GFP_KERNEL)", true)]
        [InlineData("dma_alloc_coherent(dev, 4096, out _, GFP_KERNEL)", true)]
        [InlineData("kmalloc(64, GFP_ATOMIC)", false)]
        [InlineData("kmalloc(64, GFP_NOWAIT)", false)]
        [InlineData("kmalloc(64, flags)", false)]
        public Task Allocations_SleepWhenTheirFlagsAllowDirectReclaim(string allocation, bool warns) =>
            Verify.AtomicAnalyzer(@"
class Driver
{
    private readonly Spinlock _lock = new Spinlock();

    void Refill(Device dev, KmemCache cache, GfpFlags flags)
    {
        spin_lock(_lock);
        {|#0:" + allocation + @"|};
        spin_unlock(_lock);
    }
}", Verify.SleepIf(warns));

        [Theory]
        [InlineData("msleep(10);")]
        [InlineData("might_sleep();")]
        [InlineData("mutex_lock(_mutex);")]
        public Task OtherSleepingCalls_Warn(string call) =>
            Verify.AtomicAnalyzer(@"
class Driver
{
    private readonly Spinlock _lock = new Spinlock();
    private readonly KernelMutex _mutex = new KernelMutex();

    void Reset()
    {
        spin_lock(_lock);
        {|#0:" + call.TrimEnd(';') + @"|};
        spin_unlock(_lock);
    }
}", Verify.Sleep());

        [Fact]
        public Task SectionOpenOnSomePath_Warns() =>
            Verify.AtomicAnalyzer(@"
class Driver
{
    private readonly Spinlock _lock = new Spinlock();

    void Refill(bool fromIrq)
    {
        if (fromIrq) spin_lock(_lock);
        KernelPtr p = {|#0:kmalloc(64, GFP_KERNEL)|};
        if (fromIrq) spin_unlock(_lock);
    }
}", Verify.Sleep());

        [Theory]
        [InlineData("Grow(GFP_KERNEL);", true)]
        [InlineData("Grow(GFP_ATOMIC);", false)]
        public Task HelperThatAllocates_IsJudgedByTheSectionItsCallerHolds_AndWarnsInTheHelper(string call, bool warns) =>
            Verify.AtomicAnalyzer(@"
class Driver
{
    private readonly Spinlock _lock = new Spinlock();

    KernelPtr Grow(GfpFlags gfp) => {|#0:kmalloc(256, gfp)|};

    void Refill()
    {
        spin_lock(_lock);
        " + call + @"
        spin_unlock(_lock);
        Grow(GFP_KERNEL);
    }
}", Verify.SleepIf(warns));

        [Fact]
        public Task HelperThatAllocatesWithFixedFlags_CalledInASectionTwoCallsDeep_Warns() =>
            Verify.AtomicAnalyzer(@"
class Driver
{
    private readonly Spinlock _lock = new Spinlock();

    KernelPtr Alloc() => {|#0:kzalloc(64, GFP_KERNEL)|};
    KernelPtr Make() => Alloc();

    void Probe() => Make();

    void Irq()
    {
        spin_lock(_lock);
        Make();
        spin_unlock(_lock);
    }
}", Verify.Sleep());

        [Fact]
        public Task LockAndUnlockHelpers_OpenAndCloseTheSectionInTheCaller() =>
            Verify.AtomicAnalyzer(@"
class Ring
{
    public readonly Spinlock Lock = new Spinlock();
}

class Driver
{
    static void LockRing(Ring r) => spin_lock(r.Lock);
    static void UnlockRing(Ring r) => spin_unlock(r.Lock);

    void Refill(Ring ring)
    {
        LockRing(ring);
        KernelPtr inside = {|#0:kmalloc(64, GFP_KERNEL)|};
        UnlockRing(ring);
        KernelPtr after = kmalloc(64, GFP_KERNEL);
    }
}", Verify.Sleep());

        [Fact]
        public Task UnlockOfAnotherLock_LeavesTheSectionOpen() =>
            Verify.AtomicAnalyzer(@"
class Driver
{
    private readonly Spinlock _rx = new Spinlock();
    private readonly Spinlock _tx = new Spinlock();

    void Refill()
    {
        spin_lock(_rx);
        spin_lock(_tx);
        spin_unlock(_tx);
        KernelPtr p = {|#0:kmalloc(64, GFP_KERNEL)|};
        spin_unlock(_rx);
    }
}", Verify.Sleep());

        [Fact]
        public Task CodeThatDoesNotCompile_IsNotJudged() =>
            Verify.AtomicAnalyzer(@"
class Driver
{
    private readonly Spinlock _lock = new Spinlock();

    void Refill()
    {
        spin_lock(_lock);
        KernelPtr p = kmalloc(64, GFP_KERNEL | {|CS0103:GFP_SOMETIMES|});
        spin_unlock(_lock);
    }
}");

        [Fact]
        public Task Message_NamesTheCallWhyAndTheSection() =>
            Verify.Create(@"
class Driver
{
    private readonly Spinlock _lock = new Spinlock();

    void Refill()
    {
        {|#1:spin_lock(_lock)|};
        KernelPtr p = {|#0:kmalloc(64, GFP_KERNEL)|};
        spin_unlock(_lock);
    }
}").WithAtomicChecks().Expect(new Microsoft.CodeAnalysis.Testing.DiagnosticResult(Descriptors.SleepInAtomicContext)
                .WithLocation(0).WithLocation(1)
                .WithArguments("kmalloc", "its flags allow direct reclaim", "spin_lock", "Test0.cs:12")).RunAsync();
    }
}
