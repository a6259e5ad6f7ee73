using System.Threading.Tasks;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>
    /// Fields per object, not per class (issue 10 family 2): two objects of one class created at different places keep
    /// their fields apart, including the objects their field initializers and constructors create for them.
    /// </summary>
    public class ObjectFieldsTests
    {
        private const string Ring = @"
sealed class Ring<T>
{
    private readonly T[] _slots = new T[8];
    private int _head;

    public void Put(T item) => _slots[_head++ & 7] = item;

    public T Take() => _slots[--_head & 7];
}";

        [Fact]
        public Task TwoRingsOfOneClass_CpuOnlyPackedRingAndDmaRing_DoNotWarn() => Verify.Analyzer(Ring + @"
class Driver
{
    void Run(Device dev)
    {
        var cpuOnly = new Ring<KernelPtr>();
        var dma = new Ring<KernelPtr>();
        cpuOnly.Put(kmalloc(24, GFP_KERNEL | __GFP_PACKED));
        dma.Put(kmalloc(24, GFP_KERNEL));
        dma_map_single(dev, dma.Take(), 24, DMA_FROM_DEVICE);
    }
}");

        [Fact]
        public Task TwoRingsOfOneClass_PackedBufferInTheDmaRing_Warns() => Verify.Analyzer(Ring + @"
class Driver
{
    void Run(Device dev)
    {
        var cpuOnly = new Ring<KernelPtr>();
        var dma = new Ring<KernelPtr>();
        cpuOnly.Put(kmalloc(24, GFP_KERNEL));
        dma.Put(kmalloc(24, GFP_KERNEL | __GFP_PACKED));
        dma_map_single(dev, {|#0:dma.Take()|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        private const string TableMadeInTheConstructor = @"
sealed class Table
{
    private readonly KernelPtr[] _entries;

    public Table(int size) { _entries = new KernelPtr[size]; }

    public void Set(int i, KernelPtr p) => _entries[i] = p;

    public KernelPtr Get(int i) => _entries[i];
}";

        [Fact]
        public Task TwoTablesMadeByTheirConstructor_AreKeptApart() => Verify.Analyzer(TableMadeInTheConstructor + @"
class Driver
{
    void Run(Device dev, int i)
    {
        var scratch = new Table(4);
        var rx = new Table(4);
        scratch.Set(i, kmalloc(24, GFP_KERNEL | __GFP_PACKED));
        rx.Set(i, kmalloc(24, GFP_KERNEL));
        dma_map_single(dev, rx.Get(i), 24, DMA_FROM_DEVICE);
    }
}");

        [Fact]
        public Task TwoTablesMadeByTheirConstructor_PackedInTheMappedOne_Warns() => Verify.Analyzer(TableMadeInTheConstructor + @"
class Driver
{
    void Run(Device dev, int i)
    {
        var scratch = new Table(4);
        var rx = new Table(4);
        scratch.Set(i, kmalloc(24, GFP_KERNEL));
        rx.Set(i, kmalloc(24, GFP_KERNEL | __GFP_PACKED));
        dma_map_single(dev, {|#0:rx.Get(i)|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        private const string Port = @"
sealed class Port
{
    private readonly GfpFlags _flags;
    private readonly Device _dev;

    public Port(Device dev, GfpFlags flags) { _dev = dev; _flags = flags; }

    public KernelPtr Alloc() => kmalloc(24, _flags);

    public void Receive(KernelPtr p) => dma_map_single(_dev, p, 24, DMA_FROM_DEVICE);
}";

        [Fact]
        public Task TwoPortsWithDifferentFlags_TheSafePortMaps_DoesNotWarn() => Verify.Analyzer(Port + @"
class Driver
{
    void Run(Device dev)
    {
        var scratch = new Port(dev, GFP_KERNEL | __GFP_PACKED);
        var rx = new Port(dev, GFP_KERNEL);
        var note = scratch.Alloc();
        rx.Receive(rx.Alloc());
    }
}");

        [Fact]
        public Task TwoPortsWithDifferentFlags_ThePackedPortMaps_Warns() => Verify.Analyzer(Port.Replace("dma_map_single(_dev, p,", "dma_map_single(_dev, {|#0:p|},") + @"
class Driver
{
    void Run(Device dev)
    {
        var scratch = new Port(dev, GFP_KERNEL | __GFP_PACKED);
        var rx = new Port(dev, GFP_KERNEL);
        var note = rx.Alloc();
        scratch.Receive(scratch.Alloc());
    }
}", Verify.Diagnostic());

        private const string Queue = @"
sealed class Queue
{
    private readonly List<KernelPtr> _pending = new List<KernelPtr>();

    public void Add(KernelPtr p) => _pending.Add(p);

    public void Flush(Device dev)
    {
        foreach (var p in _pending) dma_map_single(dev, p, 24, DMA_TO_DEVICE);
    }

    public void Drain(Device dev)
    {
        foreach (var p in _pending) dma_map_single(dev, p, 24, DMA_FROM_DEVICE);
    }
}";

        [Fact]
        public Task TwoQueuesWithListInitializers_AreKeptApart() => Verify.Analyzer(Queue + @"
class Driver
{
    void Run(Device dev)
    {
        var tx = new Queue();
        var rx = new Queue();
        tx.Add(kmalloc(24, GFP_KERNEL | __GFP_PACKED));
        rx.Add(kmalloc(24, GFP_KERNEL));
        tx.Flush(dev);
        rx.Drain(dev);
    }
}");

        [Fact]
        public Task TwoQueuesWithListInitializers_PackedDrainedFromDevice_Warns() => Verify.Analyzer(Queue.Replace("p, 24, DMA_FROM_DEVICE", "{|#0:p|}, 24, DMA_FROM_DEVICE") + @"
class Driver
{
    void Run(Device dev)
    {
        var tx = new Queue();
        var rx = new Queue();
        tx.Add(kmalloc(24, GFP_KERNEL));
        rx.Add(kmalloc(24, GFP_KERNEL | __GFP_PACKED));
        tx.Flush(dev);
        rx.Drain(dev);
    }
}", Verify.Diagnostic());
    }
}
