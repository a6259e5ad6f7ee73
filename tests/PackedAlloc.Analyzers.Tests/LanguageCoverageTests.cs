using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>
    /// Language constructs the analyzer must get through without throwing (the test harness turns any internal
    /// failure into a test failure), while still finding the one hazard planted among them.
    /// </summary>
    public class LanguageCoverageTests
    {
        [Fact]
        public Task KitchenSink_AnalyzedWithoutFailure() => CompileWithUnsafe(@"
using System.Collections;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

static class PtrExtensions
{
    public static KernelPtr Skip(this KernelPtr p, int n = 0) => p + n;
}

struct Pair
{
    public KernelPtr A, B;
    public static Pair operator +(Pair x, int n) => new Pair { A = x.A + n, B = x.B + n };
    public static implicit operator KernelPtr(Pair p) => p.A;
}

record Message(KernelPtr Body, int Length);

class Events
{
    public event Action<KernelPtr>? Received;
    public void Raise(KernelPtr p) => Received?.Invoke(p);
}

class Driver : IDisposable
{
    static readonly KernelPtr s_shared;
    static Driver() { s_shared = kmalloc(512, GFP_KERNEL); }
    private readonly object _gate = new object();
    private dynamic? _dyn;
    public KernelPtr this[int i] { get => s_shared + i; set { } }

    IEnumerable<KernelPtr> Buffers(int n)
    {
        for (int i = 0; i < n; i++) yield return kmalloc(512, GFP_KERNEL);
    }

    T Identity<T>(T value) => value;

    unsafe void Pointers()
    {
        byte* raw = stackalloc byte[16];
        raw[0] = 1;
        Span<byte> span = stackalloc byte[8];
        span[0] = 2;
        fixed (byte* p = new byte[4]) { p[1] = 3; }
    }

    ref KernelPtr RefTo(KernelPtr[] arr) => ref arr[0];

    void Statements(Device dev, int k, params int[] rest)
    {
        checked { k = k + 1; }
        lock (_gate) { k++; }
        using var cts = new CancellationTokenSource();
        switch (k)
        {
            case 1: goto case 2;
            case 2: break;
            default: goto done;
        }
        done:
        do { k--; } while (k > 0);
        while (true) { if (k++ > 3) break; else continue; }
        foreach (var (x, y) in new[] { (1, 2) }) { k += x + y; }
        var arr = new KernelPtr[2];
        ref KernelPtr slot = ref RefTo(arr);
        slot = kmalloc(512, GFP_KERNEL);
        var q = from b in Buffers(2) where !b.IsNull select b.Skip(4);
        foreach (var b in q) dma_map_single(dev, b, 8, DMA_FROM_DEVICE);
        _dyn = k;
        _dyn.Whatever(1);
        var tuple = (a: 1, b: (c: kmalloc(512, GFP_KERNEL), d: 2));
        dma_map_single(dev, tuple.b.c, 8, DMA_FROM_DEVICE);
        var pair = new Pair { A = kmalloc(512, GFP_KERNEL) } + 1;
        KernelPtr viaOperator = pair;
        dma_map_single(dev, viaOperator, 8, DMA_FROM_DEVICE);
        var msg = new Message(kmalloc(512, GFP_KERNEL), 8) with { Length = 4 };
        dma_map_single(dev, msg.Body, msg.Length, DMA_FROM_DEVICE);
        var events = new Events();
        events.Received += p => dma_map_single(dev, p, 8, DMA_FROM_DEVICE);
        events.Raise(Identity(kmalloc(512, GFP_KERNEL)));
        Func<int, Func<int, int>> curry = a => b => a + b;
        k = curry(1)(2);
        Task.Run(() => dma_map_single(dev, this[k], 8, DMA_FROM_DEVICE)).Wait();
        try { throw new InvalidOperationException(); }
        catch (InvalidOperationException e) when (e.Message.Length > 0) { k = 0; }
        finally { k = 1; }
        string s = $""{k} {rest.Length}"";
        k = s.Length is > 2 and < 10 ? 1 : 0;
        int? maybe = k == 0 ? null : k;
        k = maybe ?? 3;
        var hazard = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, {|#0:hazard|}, 24, DMA_FROM_DEVICE);
    }

    public void Dispose() { }
}");

        private static Task CompileWithUnsafe(string source)
        {
            var test = Verify.Create(source);
            test.SolutionTransforms.Add((solution, projectId) =>
            {
                var project = solution.GetProject(projectId)!;
                var options = (Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions)project.CompilationOptions!;
                return solution.WithProjectCompilationOptions(projectId, options.WithAllowUnsafe(true));
            });
            test.ExpectedDiagnostics.Add(Verify.Diagnostic());
            return test.RunAsync();
        }
    }
}
