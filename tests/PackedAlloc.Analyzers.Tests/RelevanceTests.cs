using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Diagnostics;
using PackedAlloc.Analyzers.Flow;
using PackedAlloc.Analyzers.Model;
using PackedAlloc.Analyzers.Tests.Infrastructure;
using Xunit;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>
    /// The analysis looks only at code that can touch kernel values (issue 14): what it skips costs nothing, and
    /// skipping it must lose nothing. Each shape below is a way a kernel value, size or flag reaches a mapping
    /// through code that does not name the runtime itself; each is pinned both ways.
    /// </summary>
    public class RelevanceTests
    {
        private const string Library = @"
namespace Lib
{
    public interface IShape { double Area(); }
    public abstract class Shape : IShape { public abstract double Area(); public override string ToString() => Name() + Area(); protected virtual string Name() => ""shape""; }
    public sealed class Square : Shape { private readonly double _side; public Square(double side) => _side = side; public override double Area() => _side * _side; }
    public static class Geometry
    {
        public static double Total(List<IShape> shapes) { double sum = 0; foreach (var s in shapes) sum += s.Area(); return sum; }
        public static int Fib(int n) => n < 2 ? n : Fib(n - 1) + Fib(n - 2);
        public static T First<T>(IEnumerable<T> items) { foreach (var item in items) return item; return default!; }
    }
}";

        private const string Driver = @"
class Driver
{
    void Receive(Device dev)
    {
        var p = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, p, 24, DMA_FROM_DEVICE);
    }
}";

        [Fact]
        public void CodeThatNeverUsesTheRuntime_IsNeitherBoundNorAnalysed()
        {
            var flow = FlowRunner.Run(new[] { Library });

            Assert.Empty(flow.RelevantBodies);
            Assert.DoesNotContain(flow.CollectedBodies, b => b.IsBound);
            Assert.Equal(0, flow.TotalSteps);
        }

        /// <summary>
        /// A project that does not reference the runtime: the analyzer finds that out on the first request (not at
        /// compilation start, where looking up symbols would do the compiler's own binding of references and
        /// declarations on the analyzer's clock) and reports nothing, even for functions named like the runtime's.
        /// </summary>
        [Fact]
        public async Task ProjectWithoutTheRuntime_ReportsNothingForLookAlikeFunctions()
        {
            var test = new Verify.Test();
            test.TestState.AdditionalReferences.RemoveAll(r => r.Display?.EndsWith("PackedAlloc.Runtime.dll", System.StringComparison.Ordinal) == true);
            test.TestState.Sources.Add(@"
namespace LookAlike
{
    public sealed class Device { }
    public static class Kernel
    {
        public const uint GFP_KERNEL = 0xcc0, __GFP_PACKED = 0x8000000;
        public const int DMA_FROM_DEVICE = 2;
        public static byte[] kmalloc(int size, uint flags) => new byte[size];
        public static long dma_map_single(Device dev, byte[] buffer, int size, int direction) => 0;
    }

    public static class Driver
    {
        public static long Receive(Device dev) => Kernel.dma_map_single(dev, Kernel.kmalloc(24, Kernel.GFP_KERNEL | Kernel.__GFP_PACKED), 24, Kernel.DMA_FROM_DEVICE);
    }
}");
            await test.RunAsync();
            Assert.DoesNotContain(test.TestState.AdditionalReferences, r => r.Display?.Contains("PackedAlloc.Runtime") == true);
        }

        [Fact]
        public void LibraryBesideADriver_IsNeitherBoundNorAnalysed()
        {
            var flow = FlowRunner.Run(new[] { Library, Driver });

            Assert.Single(flow.Hits);
            Assert.Equal(new[] { "Receive" }, flow.RelevantBodies.Select(b => b.Owner.Name));
            Assert.DoesNotContain(flow.CollectedBodies, b => b.IsBound && b.Node.SyntaxTree.FilePath == "File0.cs");
        }

        /// <summary>
        /// The IDE asks for one document at a time. A request for a document with no code that touches kernel values
        /// is answered once relevance is known, without running the flow; a later request for the driver's document
        /// runs it and gets its warning.
        /// </summary>
        [Fact]
        public async Task RequestForALibraryDocument_IsAnsweredBeforeTheFlow_AndTheDriversDocumentStillWarns()
        {
            var compilation = FlowRunner.Compilation(new[] { Library, Driver });
            var analyzers = compilation.WithAnalyzers(System.Collections.Immutable.ImmutableArray.Create<Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer>(
                new PackedAlloc.Analyzers.Rules.DmaFlowAnalyzer()));

            var library = await analyzers.GetAnalyzerSemanticDiagnosticsAsync(compilation.GetSemanticModel(compilation.SyntaxTrees.First()), null, default);
            var driverDocument = await analyzers.GetAnalyzerSemanticDiagnosticsAsync(compilation.GetSemanticModel(compilation.SyntaxTrees.Last()), null, default);

            Assert.Empty(library);
            // The driver's mapping is thrown away, so it also leaks (PA0007): both are the driver document's.
            Assert.Equal(new[] { Descriptors.PackedBufferReachesDmaId, Descriptors.MappingLifetimeBrokenId }, driverDocument.Select(d => d.Id).OrderBy(id => id));
        }

        [Fact]
        public void NameInACommentOrString_BindsTheBodyButDoesNotMakeItRelevant()
        {
            var flow = FlowRunner.Run(new[] { @"
class Notes
{
    // kmalloc is where buffers come from
    string Describe() => ""dma_map_single"";
}" });

            var describe = Assert.Single(flow.CollectedBodies);
            Assert.True(describe.IsBound);
            Assert.False(describe.IsRelevant);
        }

        [Theory]
        [InlineData(24, true)]
        [InlineData(256, false)]
        public async Task CallerThatNamesNoKernelValue_DecidesTheSize(int size, bool warns)
        {
            // Start names nothing of the runtime; it is relevant because it calls Receive, and the size it passes decides.
            var source = @"
static class Rx
{
    public static Device Dev;
    public static void Receive(int n)
    {
        var p = kmalloc(n, GFP_KERNEL | __GFP_PACKED);
        dma_map_single(Dev, " + (warns ? "{|#0:p|}" : "p") + @", n, DMA_FROM_DEVICE);
    }
}

class App
{
    public static void Start() => Rx.Receive(SIZE);
}".Replace("SIZE", size.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await (warns ? Verify.Analyzer(source, Verify.Diagnostic()) : Verify.Analyzer(source));
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public async Task GenericCodeInstantiatedWithKernelValues_IsFollowed(bool packed)
        {
            // Box<T> never names the runtime: it is relevant because Box<KernelPtr> is used.
            var box = @"
class Box<T>
{
    private T _item;
    public void Put(T item) => _item = item;
    public T Take() => _item;
}";
            var driver = @"
class Driver
{
    void Receive(Device dev)
    {
        var box = new Box<KernelPtr>();
        box.Put(kmalloc(24, GFP_KERNEL" + (packed ? " | __GFP_PACKED" : "") + @"));
        dma_map_single(dev, " + (packed ? "{|#0:box.Take()|}" : "box.Take()") + @", 24, DMA_FROM_DEVICE);
    }
}";
            var test = Verify.Create(box, driver);
            if (packed) test.Expect(Verify.Diagnostic());
            await test.RunAsync();
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public async Task ValueThroughAnObjectTypedHelper_IsFollowed(bool packed)
        {
            // Keep(object) touches no kernel type: it is analysed only because a packed buffer flows into it.
            var source = @"
static class Cache
{
    public static object Keep(object o) => o;
}

class Driver
{
    void Receive(Device dev)
    {
        var p = kmalloc(24, GFP_KERNEL" + (packed ? " | __GFP_PACKED" : "") + @");
        var back = (KernelPtr)Cache.Keep(p);
        dma_map_single(dev, " + (packed ? "{|#0:back|}" : "back") + @", 24, DMA_FROM_DEVICE);
    }
}";
            await (packed ? Verify.Analyzer(source, Verify.Diagnostic()) : Verify.Analyzer(source));
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public async Task HolderSwappedByAHelperThatNamesNoKernelType_IsFollowed(bool packedInA)
        {
            // Shuffle.Swap touches only object fields: it is analysed because the holders it is given hold a packed buffer.
            var source = @"
class Holder { public object Value; }

static class Shuffle
{
    public static void Swap(Holder a, Holder b) { var t = a.Value; a.Value = b.Value; b.Value = t; }
}

class Driver
{
    void Receive(Device dev)
    {
        var a = new Holder();
        var b = new Holder();
        a.Value = kmalloc(24, GFP_KERNEL" + (packedInA ? " | __GFP_PACKED" : "") + @");
        b.Value = kmalloc(24, GFP_KERNEL);
        Shuffle.Swap(a, b);
        dma_map_single(dev, " + (packedInA ? "{|#0:(KernelPtr)b.Value|}" : "(KernelPtr)b.Value") + @", 24, DMA_FROM_DEVICE);
    }
}";
            await (packedInA ? Verify.Analyzer(source, Verify.Diagnostic()) : Verify.Analyzer(source));
        }

        [Theory]
        [InlineData(24, true)]
        [InlineData(256, false)]
        public async Task SizeFromAHelperThatReturnsANumber_IsKnown(int size, bool warns)
        {
            // Sizes.Rx() touches no kernel type; relevant code asks it for a number, so it is followed.
            var sizes = @"
static class Sizes
{
    public static int Rx() => SIZE;
}".Replace("SIZE", size.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var driver = @"
class Driver
{
    void Receive(Device dev)
    {
        var p = kmalloc(Sizes.Rx(), GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, " + (warns ? "{|#0:p|}" : "p") + @", Sizes.Rx(), DMA_FROM_DEVICE);
    }
}";
            var test = Verify.Create(sizes, driver);
            if (warns) test.Expect(Verify.Diagnostic());
            await test.RunAsync();
        }

        [Theory]
        [InlineData(24, true)]
        [InlineData(256, false)]
        public async Task SizeInAStaticReadonlyFieldOfAnotherFile_IsKnown(int size, bool warns)
        {
            // The initializer touches no kernel type; it is analysed because relevant code reads the field.
            var sizes = @"
static class Sizes
{
    public static readonly int Rx = SIZE;
}".Replace("SIZE", size.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var driver = @"
class Driver
{
    void Receive(Device dev)
    {
        var p = kmalloc(Sizes.Rx, GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, " + (warns ? "{|#0:p|}" : "p") + @", Sizes.Rx, DMA_FROM_DEVICE);
    }
}";
            var test = Verify.Create(sizes, driver);
            if (warns) test.Expect(Verify.Diagnostic());
            await test.RunAsync();
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public async Task AliasedRuntimeTypeInAnotherFile_IsSeen(bool packed)
        {
            var relay = @"
namespace Relay
{
    using Ptr = PackedAlloc.Runtime.KernelPtr;

    static class Pass
    {
        public static Ptr Stash;
        public static void Keep(Ptr p) { Ptr copy = p; Stash = copy; }
    }
}";
            var driver = @"
class Driver
{
    void Receive(Device dev)
    {
        Relay.Pass.Keep(kmalloc(24, GFP_KERNEL" + (packed ? " | __GFP_PACKED" : "") + @"));
        dma_map_single(dev, " + (packed ? "{|#0:Relay.Pass.Stash|}" : "Relay.Pass.Stash") + @", 24, DMA_FROM_DEVICE);
    }
}";
            var test = Verify.Create(relay, driver);
            if (packed) test.Expect(Verify.Diagnostic());
            await test.RunAsync();
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public async Task ImplementationInAFileSeenLater_IsADispatchTarget(bool packed)
        {
            // The caller's file is seen first; the implementation that maps lives in a file only its name leads to.
            var caller = @"
interface IMapper { void Map(KernelPtr buffer); }

class Driver
{
    private readonly IMapper _mapper;
    public Driver(IMapper mapper) => _mapper = mapper;
    public void Receive() => _mapper.Map(kmalloc(24, GFP_KERNEL" + (packed ? " | __GFP_PACKED" : "") + @"));
}";
            var implementation = @"
sealed class FromDevice : IMapper
{
    public static Device Dev;
    public void Map(KernelPtr buffer) => dma_map_single(Dev, " + (packed ? "{|#0:buffer|}" : "buffer") + @", 24, DMA_FROM_DEVICE);
}";
            var test = Verify.Create(caller, implementation);
            if (packed) test.Expect(Verify.Diagnostic());
            await test.RunAsync();
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public async Task ConfiguredSinkCalledFromCodeThatNamesNoKernelValue_IsChecked(bool packed)
        {
            var source = @"
static class Hal
{
    public static void MapForDevice(object buffer) { }
}

static class Buffers
{
    public static KernelPtr Rx = kmalloc(24, GFP_KERNEL" + (packed ? " | __GFP_PACKED" : "") + @");
}

class Driver
{
    void Receive() { object b = Buffers.Rx; Hal.MapForDevice(" + (packed ? "{|#0:b|}" : "b") + @"); }
}";
            var test = Verify.Create(source).WithOptions("dotnet_code_quality.PA0001.sink_methods = Hal.MapForDevice");
            if (packed) test.Expect(Verify.Diagnostic());
            await test.RunAsync();
        }

        [Fact]
        public void Relevance_IsTheSameWhateverTheOrderOfTheFiles()
        {
            var sources = new[]
            {
                "class A { public static void Run() => B.Step(); }",
                "class B { public static void Step() => C.Map(24); }",
                "class C { public static Device Dev; public static void Map(int n) => dma_map_single(Dev, kmalloc(n, GFP_KERNEL | __GFP_PACKED), n, DMA_FROM_DEVICE); }",
            };

            var forward = FlowRunner.Run(sources);
            var backward = FlowRunner.Run(sources.Reverse());

            Assert.Equal(new[] { "Map", "Run", "Step" }, forward.RelevantBodies.Select(b => b.Owner.Name).OrderBy(n => n));
            Assert.Equal(new[] { "Map", "Run", "Step" }, backward.RelevantBodies.Select(b => b.Owner.Name).OrderBy(n => n));
            Assert.Single(forward.Hits);
            Assert.Single(backward.Hits);
        }

        [Fact]
        public void AutomaticBudget_FollowsTheSizeOfTheRelevantCode()
        {
            var small = FlowRunner.Run(new[] { Library, "class D { void M(Device dev) => dma_map_single(dev, kmalloc(24, GFP_KERNEL), 24, DMA_TO_DEVICE); }" });
            var larger = FlowRunner.Run(new[] { Library, string.Join("\n", Enumerable.Range(0, 20).Select(i =>
                $"class D{i} {{ void M(Device dev) => dma_map_single(dev, kmalloc(24, GFP_KERNEL), 24, DMA_TO_DEVICE); }}")) });

            // base + a fixed allowance per operation of relevant code: the library around it adds nothing.
            Assert.Equal(0, (small.StepBudget - AnalysisOptions.AutomaticTotalStepsBase) % AnalysisOptions.AutomaticTotalStepsPerOperation);
            Assert.Equal(0, (larger.StepBudget - AnalysisOptions.AutomaticTotalStepsBase) % AnalysisOptions.AutomaticTotalStepsPerOperation);
            long smallOperations = (small.StepBudget - AnalysisOptions.AutomaticTotalStepsBase) / AnalysisOptions.AutomaticTotalStepsPerOperation;
            long largerOperations = (larger.StepBudget - AnalysisOptions.AutomaticTotalStepsBase) / AnalysisOptions.AutomaticTotalStepsPerOperation;
            Assert.Equal(20 * smallOperations, largerOperations);
        }

        [Fact]
        public void LaterRounds_RerunAMethodThatReadAnEntryBeforeItWasWritten()
        {
            // Reader comes first and reads the pool before Writer fills it: it must run again, and then finds it.
            var flow = FlowRunner.Run(@"
static class Pool { public static KernelPtr Buf; }
class Reader { void Map(Device dev) => dma_map_single(dev, Pool.Buf, 24, DMA_FROM_DEVICE); }
class Writer { void Fill() => Pool.Buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED); }");

            Assert.Single(flow.Hits);
            Assert.True(flow.StepsAfterFirstRound > 0);
        }

        [Fact]
        public void LaterRounds_DoNotRerunAMethodThatReadAnEntryAfterItsLastWrite()
        {
            // Probe fills the pool (through Fill) before it maps it (through Map): what it read already held the only
            // write there is, so nothing runs again, though the write came after Probe started.
            var flow = FlowRunner.Run(@"
static class Pool { public static KernelPtr Buf; }
class Driver { void Probe(Device dev) { Setup.Fill(); Setup.Map(dev); } }
static class Setup
{
    public static void Fill() => Pool.Buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
    public static void Map(Device dev) => dma_map_single(dev, Pool.Buf, 24, DMA_FROM_DEVICE);
}");

            Assert.Single(flow.Hits);
            Assert.Equal(0, flow.StepsAfterFirstRound);
        }

        [Fact]
        public void LaterRounds_DoNotRerunAMethodForAnElementItOnlyAssignsConditionally()
        {
            // `_handles[slot] = small ? … : …` captures the element before the branches; C# does not read it, and
            // neither does the analysis, so the probe's one ring is written once per element, never read early.
            var flow = FlowRunner.Run(@"
sealed class Ring
{
    private readonly Device _dev;
    private readonly KernelPtr[] _small = new KernelPtr[4];
    private readonly DmaAddr[] _handles = new DmaAddr[4];
    public Ring(Device dev) { _dev = dev; }
    public void Fill(int i) => _small[i] = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
    public bool Post(int slot, bool small)
    {
        _handles[slot] = small ? dma_map_single(_dev, _small[slot], 24, DMA_TO_DEVICE) : DMA_MAPPING_ERROR;
        return !dma_mapping_error(_dev, _handles[slot]);
    }
}
class Driver { void Probe(Device dev) { var ring = new Ring(dev); ring.Fill(0); ring.Post(0, true); ring.Post(1, false); } }");

            Assert.Empty(flow.Hits);
            Assert.Equal(0, flow.StepsAfterFirstRound);
        }

        [Fact]
        public void CompilationBudget_StopsTheAnalysisWithOneNotice()
        {
            var sources = Enumerable.Range(0, 40).Select(i => $@"
class Driver{i}
{{
    void Receive(Device dev)
    {{
        var p = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        for (int k = 0; k < 4; k++) dma_map_single(dev, p, 24, DMA_FROM_DEVICE);
    }}
}}").ToList();
            var flow = FlowRunner.Create(sources, new Dictionary<string, string> { [AnalysisOptions.MaxTotalStepsName] = "300" });
            var diagnostics = FlowDiagnostics.Compute(flow).All.ToList();

            var notice = Assert.Single(diagnostics, d => d.Id == Descriptors.AnalysisBudgetExceededId);
            Assert.Contains("the budget of the whole compilation", notice.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Contains("other method(s)", notice.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(300, flow.TotalSteps);
            Assert.InRange(diagnostics.Count(d => d.Id == Descriptors.PackedBufferReachesDmaId), 1, 39);
            Assert.Equal(40 - diagnostics.Count(d => d.Id == Descriptors.PackedBufferReachesDmaId), flow.UncheckedRoots.Count);
        }

        [Fact]
        public void CompilationBudget_LargeEnough_ChangesNothing()
        {
            var sources = Enumerable.Range(0, 40).Select(i => $"class D{i} {{ void M(Device dev) => dma_map_single(dev, kmalloc(24, GFP_KERNEL | __GFP_PACKED), 24, DMA_FROM_DEVICE); }}").ToList();
            var flow = FlowRunner.Create(sources, new Dictionary<string, string> { [AnalysisOptions.MaxTotalStepsName] = "1000000" });
            var diagnostics = FlowDiagnostics.Compute(flow).All.ToList();

            Assert.Equal(40, diagnostics.Count(d => d.Id == Descriptors.PackedBufferReachesDmaId));
            Assert.DoesNotContain(diagnostics, d => d.Id == Descriptors.AnalysisBudgetExceededId);
            Assert.Empty(flow.UncheckedRoots);
        }
    }
}
