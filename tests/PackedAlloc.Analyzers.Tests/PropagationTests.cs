using System.Threading.Tasks;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>What the flow follows, each kind tested both ways: the packed buffer flows (warning) and a safe one
    /// takes the same route (no warning).</summary>
    public class PropagationTests
    {
        private const string Packed = "kmalloc(24, GFP_KERNEL | __GFP_PACKED)";
        private const string Safe = "kmalloc(24, GFP_KERNEL)";

        private static Task Check(string template, bool packed)
        {
            var source = template.Replace("ALLOC", packed ? Packed : Safe);
            if (!packed)
            {
                source = source.Replace("{|#0:", "").Replace(":0|}", "").Replace("|}", "");
            }

            return packed ? Verify.Analyzer(source, Verify.Diagnostic()) : Verify.Analyzer(source);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task LocalsAndReassignment(bool packed) => Check(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr a = ALLOC;
        KernelPtr b = NULL;
        b = a;
        var c = b;
        dma_map_single(dev, {|#0:c|}, 24, DMA_FROM_DEVICE);
    }
}", packed);

        [Fact]
        public Task ReassignedWithSafeBuffer_DoesNotWarn() => Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr a = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        a = kmalloc(24, GFP_KERNEL);
        dma_map_single(dev, a, 24, DMA_FROM_DEVICE);
    }
}");

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task PointerArithmetic(bool packed) => Check(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr a = ALLOC;
        KernelPtr payload = a + 8;
        dma_map_single(dev, {|#0:payload - 4|}, 8, DMA_FROM_DEVICE);
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task ConversionsThroughObject(bool packed) => Check(@"
class Driver
{
    void Receive(Device dev)
    {
        object boxed = ALLOC;
        var buf = (KernelPtr)boxed;
        dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task ConditionalAndCoalesce(bool packed) => Check(@"
class Driver
{
    void Receive(Device dev, bool big, KernelPtr? cached)
    {
        KernelPtr small = ALLOC;
        KernelPtr chosen = big ? kmalloc(512, GFP_KERNEL) : small;
        KernelPtr buf = cached ?? chosen;
        dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task TupleDeconstruction(bool packed) => Check(@"
class Driver
{
    (KernelPtr Buffer, int Length) Alloc() => (ALLOC, 24);

    void Receive(Device dev)
    {
        var (buf, len) = Alloc();
        dma_map_single(dev, {|#0:buf|}, len, DMA_FROM_DEVICE);
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task TupleElementAccess(bool packed) => Check(@"
class Driver
{
    (KernelPtr Buffer, int Length) Alloc() => (ALLOC, 24);

    void Receive(Device dev)
    {
        var pair = Alloc();
        dma_map_single(dev, {|#0:pair.Buffer|}, pair.Length, DMA_FROM_DEVICE);
    }
}", packed);

        [Fact]
        public Task TupleElementsAreTrackedSeparately() => Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev)
    {
        var pair = (Packed: kmalloc(24, GFP_KERNEL | __GFP_PACKED), Safe: kmalloc(24, GFP_KERNEL));
        dma_map_single(dev, pair.Safe, 24, DMA_FROM_DEVICE);
        dma_map_single(dev, {|#0:pair.Packed|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task OutAndRefParameters(bool packed) => Check(@"
class Driver
{
    bool TryAlloc(out KernelPtr buf) { buf = ALLOC; return true; }
    void Swap(ref KernelPtr a, ref KernelPtr b) { var t = a; a = b; b = t; }

    void Receive(Device dev)
    {
        TryAlloc(out var p);
        KernelPtr q = kmalloc(512, GFP_KERNEL);
        Swap(ref p, ref q);
        dma_map_single(dev, {|#0:q|}, 24, DMA_FROM_DEVICE);
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task InstanceFieldWrittenInOneMethodMappedInAnother(bool packed) => Check(@"
class Driver
{
    private KernelPtr _rx;
    private Device _dev;

    public void Open(Device dev) { _dev = dev; _rx = ALLOC; }
    public void Start() => dma_map_single(_dev, {|#0:_rx|}, 24, DMA_FROM_DEVICE);
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task FieldRefilledOnlyOnSomePaths_StillHoldsWhatOtherMethodsStored(bool packed) => Check(@"
class Driver
{
    KernelPtr _rx;
    void Init() => _rx = ALLOC;
    void Receive(Device dev, bool refill)
    {
        if (refill) _rx = kmalloc(24, GFP_KERNEL);
        dma_map_single(dev, {|#0:_rx|}, 24, DMA_FROM_DEVICE);
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task StaticFieldRefilledOnlyOnSomePaths_StillHoldsWhatOtherMethodsStored(bool packed) => Check(@"
class Driver
{
    static KernelPtr s_cmd;
    void Init() => s_cmd = ALLOC;
    void Command(Device dev)
    {
        if (s_cmd.IsNull) s_cmd = kmalloc(24, GFP_KERNEL);
        dma_map_single(dev, {|#0:s_cmd|}, 24, DMA_FROM_DEVICE);
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task FieldMovedByAMethodThatNeverTouchesTheKernel(bool packed) => Check(@"
class Driver
{
    KernelPtr _pending, _rx;
    void Alloc() => _pending = ALLOC;
    public void Promote() { _rx = _pending; _pending = default; }
    void Post(Device dev) => dma_map_single(dev, {|#0:_rx|}, 24, DMA_FROM_DEVICE);
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task FieldMovedThroughACallChainThatNeverTouchesTheKernel(bool packed) => Check(@"
class Ring
{
    public KernelPtr Spare, Active;
    public void Rotate() => Swap(ref Spare, ref Active);
    static void Swap(ref KernelPtr a, ref KernelPtr b) { var t = a; a = b; b = t; }
}

class Driver
{
    Ring _ring = new Ring();
    void Alloc() => _ring.Spare = ALLOC;
    void Post(Device dev) => dma_map_single(dev, {|#0:_ring.Active|}, 24, DMA_FROM_DEVICE);
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task StaticAutoProperty(bool packed) => Check(@"
static class Buffers
{
    public static KernelPtr Command { get; set; }
}

class Driver
{
    void Init() => Buffers.Command = ALLOC;
    void Receive(Device dev) => dma_map_single(dev, {|#0:Buffers.Command|}, 24, DMA_FROM_DEVICE);
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task StructFields(bool packed) => Check(@"
struct Descriptor
{
    public KernelPtr Buffer;
    public int Length;
}

class Driver
{
    void Receive(Device dev)
    {
        var d = new Descriptor { Buffer = ALLOC, Length = 24 };
        var copy = d;
        dma_map_single(dev, {|#0:copy.Buffer|}, copy.Length, DMA_FROM_DEVICE);
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task StructLocalsWithoutACreation_KeepTheirFieldsApart(bool packed) => Check(@"
struct Descriptor
{
    public KernelPtr Buffer;
    public int Length;
}

class Driver
{
    void Receive(Device dev)
    {
        Descriptor rx = default;
        rx.Buffer = ALLOC;
        Descriptor tx;
        tx.Length = 24;
        tx.Buffer = kmalloc(24, GFP_KERNEL);
        dma_map_single(dev, tx.Buffer, tx.Length, DMA_FROM_DEVICE);
        dma_map_single(dev, {|#0:rx.Buffer|}, 24, DMA_FROM_DEVICE);
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task StructLocalFilledThroughRef(bool packed) => Check(@"
struct Descriptor
{
    public KernelPtr Buffer;
    public int Length;
}

class Driver
{
    static void Fill(ref Descriptor d, KernelPtr p) { d.Buffer = p; d.Length = 24; }

    void Receive(Device dev)
    {
        Descriptor cmd = default;
        Fill(ref cmd, ALLOC);
        dma_map_single(dev, {|#0:cmd.Buffer|}, cmd.Length, DMA_FROM_DEVICE);
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task AutoPropertyBehindAnInterface(bool packed) => Check(@"
interface IDmaBuffer { KernelPtr Data { get; set; } }
sealed class RxBuffer : IDmaBuffer { public KernelPtr Data { get; set; } }

class Driver
{
    void Receive(Device dev)
    {
        IDmaBuffer b = new RxBuffer();
        b.Data = ALLOC;
        dma_map_single(dev, {|#0:b.Data|}, 24, DMA_FROM_DEVICE);
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task AutoPropertyWrittenConcretelyReadThroughAbstractBase(bool packed) => Check(@"
abstract class Descriptor { public abstract KernelPtr Buffer { get; set; } }
class RxDescriptor : Descriptor { public override KernelPtr Buffer { get; set; } }

class Driver
{
    static void Post(Device dev, Descriptor d) => dma_map_single(dev, {|#0:d.Buffer|}, 24, DMA_FROM_DEVICE);

    void Receive(Device dev)
    {
        var d = new RxDescriptor { Buffer = ALLOC };
        Post(dev, d);
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task RefLocalsWriteTheStorageTheyAreBoundTo(bool packed) => Check(@"
class Driver
{
    KernelPtr[] _headers = new KernelPtr[16];

    KernelPtr _status;

    void Refill(int head)
    {
        ref KernelPtr header = ref _headers[head];
        header = ALLOC;
        ref KernelPtr status = ref _status;
        status = header;
    }

    void Post(Device dev) => dma_map_single(dev, {|#0:_status|}, 24, DMA_FROM_DEVICE);
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task PositionalRecordProperties(bool packed) => Check(@"
record Descriptor(KernelPtr Buffer, int Length);

class Driver
{
    void Receive(Device dev)
    {
        var d = new Descriptor(ALLOC, 24);
        dma_map_single(dev, {|#0:d.Buffer|}, d.Length, DMA_FROM_DEVICE);
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task PrimaryConstructorParameters(bool packed) => Check(@"
class Ring(KernelPtr buffer)
{
    public KernelPtr Current => buffer;
    public void Advance(int n) => buffer = buffer + n;
}

class Driver
{
    void Receive(Device dev)
    {
        var ring = new Ring(ALLOC);
        ring.Advance(8);
        dma_map_single(dev, {|#0:ring.Current|}, 16, DMA_FROM_DEVICE);
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task RecordWithExpressionCopiesThenReplaces(bool packed) => Check(@"
record Descriptor(KernelPtr Buffer, KernelPtr Header);

class Driver
{
    void Receive(Device dev)
    {
        var d = new Descriptor(kmalloc(24, GFP_KERNEL), ALLOC);
        var e = d with { Buffer = ALLOC };
        var f = e with { Buffer = kmalloc(24, GFP_KERNEL) };
        dma_map_single(dev, {|#0:e.Buffer|}, 24, DMA_FROM_DEVICE);
        dma_map_single(dev, d.Buffer, 24, DMA_FROM_DEVICE);
        dma_map_single(dev, f.Buffer, 24, DMA_FROM_DEVICE);
    }
}", packed);

        [Fact]
        public Task FieldsOfDifferentLocalObjectsAreSeparate() => Verify.Analyzer(@"
class Holder { public KernelPtr Buf; }

class Driver
{
    void Receive(Device dev)
    {
        var packed = new Holder();
        packed.Buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        var safe = new Holder();
        safe.Buf = kmalloc(24, GFP_KERNEL);
        dma_map_single(dev, safe.Buf, 24, DMA_FROM_DEVICE);
        dma_map_single(dev, {|#0:packed.Buf|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task ArrayElements(bool packed) => Check(@"
class Driver
{
    private readonly KernelPtr[] _ring = new KernelPtr[8];

    void Fill() { for (int i = 0; i < _ring.Length; i++) _ring[i] = ALLOC; }
    void Receive(Device dev, int slot) => dma_map_single(dev, {|#0:_ring[slot]|}, 24, DMA_FROM_DEVICE);
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task ListElements(bool packed) => Check(@"
class Driver
{
    void Receive(Device dev)
    {
        var pending = new List<KernelPtr>();
        pending.Add(ALLOC);
        foreach (var buf in pending)
            dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task DictionaryValues(bool packed) => Check(@"
class Driver
{
    private readonly Dictionary<int, KernelPtr> _byTag = new Dictionary<int, KernelPtr>();

    void Queue(int tag) => _byTag[tag] = ALLOC;

    void Complete(Device dev, int tag)
    {
        if (_byTag.TryGetValue(tag, out var buf))
            dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task ArgumentsIntoParametersAndReturnValuesBack(bool packed) => Check(@"
class Driver
{
    KernelPtr Align(KernelPtr p) => p + 0;
    void Map(Device dev, KernelPtr buf) => dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);

    void Receive(Device dev) => Map(dev, Align(ALLOC));
}", packed);

        [Fact]
        public Task HelperThatMapsItsParameter_WarnsOnlyForThePackedCaller() => Verify.Analyzer(@"
class Driver
{
    void Map(Device dev, KernelPtr buf) => dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);

    void Safe(Device dev) => Map(dev, kmalloc(24, GFP_KERNEL));
    void Packed(Device dev) => Map(dev, {|#1:kmalloc(24, GFP_KERNEL | __GFP_PACKED)|});
}", Verify.Diagnostic(0));

        [Fact]
        public Task AcrossFiles() => Verify.Create(@"
static class Alloc
{
    public static KernelPtr Small() => kmalloc(24, GFP_KERNEL | __GFP_PACKED);
}", @"
static class Dma
{
    public static void Receive(Device dev) => dma_map_single(dev, {|#0:Alloc.Small()|}, 24, DMA_FROM_DEVICE);
}").Expect(Verify.Diagnostic()).RunAsync();

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task Lambdas(bool packed) => Check(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = ALLOC;
        Action map = () => dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
        map();
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task LambdaGivenToLibraryMethod(bool packed) => Check(@"
class Driver
{
    void Receive(Device dev)
    {
        var bufs = new List<KernelPtr> { ALLOC };
        bufs.ForEach(b => dma_map_single(dev, {|#0:b|}, 24, DMA_FROM_DEVICE));
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task LocalFunctions(bool packed) => Check(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = NULL;
        Allocate();
        Map(buf);

        void Allocate() => buf = ALLOC;
        void Map(KernelPtr p) => dma_map_single(dev, {|#0:p|}, 24, DMA_FROM_DEVICE);
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task VirtToPhysAndBack(bool packed) => Check(@"
class Driver
{
    void Receive(Device dev)
    {
        PhysAddr phys = virt_to_phys(ALLOC);
        KernelPtr again = phys_to_virt(phys);
        dma_map_single(dev, {|#0:again|}, 24, DMA_FROM_DEVICE);
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task Loops(bool packed) => Check(@"
class Driver
{
    void Receive(Device dev, int n)
    {
        KernelPtr current = kmalloc(512, GFP_KERNEL);
        for (int i = 0; i < n; i++)
        {
            dma_map_single(dev, {|#0:current|}, 24, DMA_FROM_DEVICE);
            current = ALLOC;
        }
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task PropertiesWithBodies(bool packed) => Check(@"
class Driver
{
    private KernelPtr _backing;
    KernelPtr Fresh => ALLOC;
    KernelPtr Stored { get { return _backing; } set { _backing = value; } }

    void Receive(Device dev)
    {
        Stored = Fresh;
        dma_map_single(dev, {|#0:Stored|}, 24, DMA_FROM_DEVICE);
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task ConstructorChainingAndObjectState(bool packed) => Check(@"
class Channel
{
    public KernelPtr Buffer { get; }
    public Channel(KernelPtr buffer) { Buffer = buffer; }
    public Channel() : this(ALLOC) { }
}

class Driver
{
    void Receive(Device dev)
    {
        var channel = new Channel();
        dma_map_single(dev, {|#0:channel.Buffer|}, 24, DMA_FROM_DEVICE);
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task AsyncMethods(bool packed) => Check(@"
using System.Threading.Tasks;

class Driver
{
    async Task<KernelPtr> AllocAsync() { await Task.Yield(); return ALLOC; }

    async Task Receive(Device dev)
    {
        KernelPtr buf = await AllocAsync();
        dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task PatternsAndSwitch(bool packed) => Check(@"
class Driver
{
    void Receive(Device dev, int kind)
    {
        object o = kind switch { 0 => ALLOC, _ => kmalloc(512, GFP_KERNEL) };
        if (o is KernelPtr buf)
            dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task VirtualCallsFollowEveryOverride(bool packed) => Check(@"
abstract class Allocator { public abstract KernelPtr Alloc(); }
sealed class SmallAllocator : Allocator { public override KernelPtr Alloc() => ALLOC; }
sealed class PageAllocator : Allocator { public override KernelPtr Alloc() => kmalloc(4096, GFP_KERNEL); }

class Driver
{
    void Receive(Device dev, Allocator allocator) => dma_map_single(dev, {|#0:allocator.Alloc()|}, 24, DMA_FROM_DEVICE);
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task InterfaceImplementationThatMapsItsArgument(bool packed) => Check(@"
interface IDmaEngine { void Start(KernelPtr buf); }
class Engine : IDmaEngine
{
    private readonly Device _dev;
    public Engine(Device dev) { _dev = dev; }
    public void Start(KernelPtr buf) => dma_map_single(_dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
}

class Driver
{
    void Receive(IDmaEngine engine) => engine.Start(ALLOC);
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task IndexerSetterAndGetterWithBodies(bool packed) => Check(@"
class Ring
{
    private readonly KernelPtr[] _slots = new KernelPtr[4];
    public KernelPtr this[int i] { get => _slots[i]; set => _slots[i] = value; }
}

class Driver
{
    void Receive(Device dev)
    {
        var ring = new Ring();
        ring[0] = ALLOC;
        dma_map_single(dev, {|#0:ring[0]|}, 24, DMA_FROM_DEVICE);
    }
}", packed);

        [Theory]
        [InlineData(true, "_ring[slot] = fast ? ALLOC : NULL;", "_ring[slot]")]
        [InlineData(false, "_ring[slot] = fast ? ALLOC : NULL;", "_ring[slot]")]
        [InlineData(true, "_current = fast ? ALLOC : NULL;", "_current")]
        [InlineData(false, "_current = fast ? ALLOC : NULL;", "_current")]
        [InlineData(true, "Current = fast ? ALLOC : NULL;", "Current")]
        [InlineData(true, "local = fast ? ALLOC : NULL;", "local")]
        [InlineData(false, "local = fast ? ALLOC : NULL;", "local")]
        public Task ConditionalAssignedToStorage(bool packed, string assignment, string mapped) => Check(@"
class Driver
{
    private readonly KernelPtr[] _ring = new KernelPtr[4];
    private KernelPtr _current;
    KernelPtr Current { get; set; }

    void Receive(Device dev, bool fast, int slot)
    {
        KernelPtr local = kmalloc(512, GFP_KERNEL);
        " + assignment + @"
        dma_map_single(dev, {|#0:" + mapped + @"|}, 24, DMA_FROM_DEVICE);
    }
}", packed);

        [Fact]
        public Task Recursion_Terminates() => Verify.Analyzer(@"
class Driver
{
    KernelPtr Chain(int n) => n == 0 ? kmalloc(24, GFP_KERNEL | __GFP_PACKED) : Chain(n - 1);
    void Walk(Device dev, KernelPtr p, int n) { if (n > 0) Walk(dev, p, n - 1); else dma_map_single(dev, {|#0:p|}, 24, DMA_FROM_DEVICE); }
    void Receive(Device dev) => Walk(dev, Chain(3), 3);
}", Verify.Diagnostic());

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task TryFinally(bool packed) => Check(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = NULL;
        try
        {
            buf = ALLOC;
        }
        finally
        {
            dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
        }
    }
}", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task TopLevelStatements(bool packed)
        {
            var source = @"
var dev = Machine.Current.CreateDevice(""eth0"", coherent: false);
var buf = ALLOC;
dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
".Replace("ALLOC", packed ? Packed : Safe);
            var test = Verify.Create(packed ? source : source.Replace("{|#0:buf|}", "buf"));
            test.TestState.OutputKind = Microsoft.CodeAnalysis.OutputKind.ConsoleApplication;
            return packed ? test.Expect(Verify.Diagnostic()).RunAsync() : test.RunAsync();
        }
    }
}
