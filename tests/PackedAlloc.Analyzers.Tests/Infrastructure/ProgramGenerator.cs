using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace PackedAlloc.Analyzers.Tests.Infrastructure
{
    /// <summary>
    /// Writes a random C# program against the runtime's Kernel API from a seed: classes with fields of kernel types,
    /// a generic box, methods that call each other (recursion included), and bodies made of random nestings of
    /// allocations, mappings, unmaps, syncs, swiotlb and scatterlist calls, field, array, list and tuple traffic,
    /// conditions the analyzer treats as guards, bool locals, loops, switches, try/catch/finally, lambdas, local
    /// functions, patterns and async code; now and then one huge method. A program is broken on purpose when the
    /// seed says so (a span of it cut out), so that half-typed code is covered too. Same seed, same program.
    /// </summary>
    internal sealed class ProgramGenerator
    {
        private static readonly string[] Sizes = { "8", "24", "40", "64", "96", "128", "192", "256", "1500", "4096", "len", "_len" };
        private static readonly string[] Flags =
        {
            "GFP_KERNEL", "GFP_KERNEL | __GFP_PACKED", "GFP_ATOMIC", "GFP_ATOMIC | __GFP_PACKED", "_flags", "flags",
            "__GFP_PACKED | GFP_KERNEL | __GFP_ZERO",
        };

        private static readonly string[] Directions = { "DMA_TO_DEVICE", "DMA_FROM_DEVICE", "DMA_BIDIRECTIONAL", "dir" };

        private readonly Random _random;
        private readonly StringBuilder _out = new StringBuilder();
        private readonly List<List<(string Name, string Type)>> _scopes = new List<List<(string, string)>>();
        private readonly List<(string Name, string Kind)> _methods = new List<(string, string)>();
        private int _next;
        private int _depth;
        private bool _inAsync;
        private int _inFinally;
        private string _returnType = "void";

        private ProgramGenerator(int seed) => _random = new Random(seed);

        /// <summary>Whether the program was broken on purpose (it is then not expected to compile).</summary>
        public bool Broken { get; private set; }

        public string Text { get; private set; } = "";

        public static ProgramGenerator Generate(int seed)
        {
            var generator = new ProgramGenerator(seed);
            generator.Write();
            return generator;
        }

        private void Write()
        {
            _out.AppendLine("using System.Threading.Tasks;");
            _out.AppendLine("sealed class Box<T> { public T Value; public T Get() => Value; public void Set(T value) => Value = value; }");
            int classes = 1 + _random.Next(2);
            for (int c = 0; c < classes; c++)
            {
                WriteClass(c);
            }

            Text = _out.ToString();
            if (_random.Next(8) == 0)
            {
                Broken = true;
                int start = _random.Next(Text.Length);
                int length = Math.Min(1 + _random.Next(12), Text.Length - start);
                Text = Text.Remove(start, length);
            }
        }

        private void WriteClass(int index)
        {
            _methods.Clear();
            int methods = 2 + _random.Next(4);
            var kinds = new[] { "map", "alloc", "plain", "async", "helper" };
            for (int m = 0; m < methods; m++)
            {
                _methods.Add(("M" + index + "_" + m, kinds[_random.Next(kinds.Length)]));
            }

            _out.AppendLine($"class Driver{index}");
            _out.AppendLine("{");
            _out.AppendLine("    private KernelPtr _buf;");
            _out.AppendLine("    private readonly KernelPtr[] _ring = new KernelPtr[4];");
            _out.AppendLine("    private readonly List<KernelPtr> _list = new List<KernelPtr>();");
            _out.AppendLine("    private readonly Spinlock _lock = new Spinlock();");
            _out.AppendLine("    private Device _dev;");
            _out.AppendLine($"    private GfpFlags _flags = {Pick(Flags.Take(4).ToArray())};");
            _out.AppendLine($"    private bool _packed = {(_random.Next(2) == 0 ? "true" : "false")};");
            _out.AppendLine($"    private int _len = {Pick(Sizes.Take(10).ToArray())};");
            _out.AppendLine($"    public KernelPtr Current {{ get => _buf; set => _buf = value; }}");
            foreach (var (name, kind) in _methods)
            {
                WriteMethod(name, kind);
            }

            _out.AppendLine("}");
        }

        private void WriteMethod(string name, string kind)
        {
            _next = 0;
            _scopes.Clear();
            _scopes.Add(new List<(string, string)> { ("dev", "Device"), ("len", "int"), ("flags", "GfpFlags"), ("dir", "DmaDirection") });
            _inAsync = kind == "async";
            string signature = "(Device dev, int len, GfpFlags flags, DmaDirection dir";
            switch (kind)
            {
                case "map":
                    _returnType = "void";
                    _scopes[0].Add(("p", "KernelPtr"));
                    signature += ", KernelPtr p)";
                    break;
                case "alloc":
                    _returnType = "KernelPtr";
                    signature += ")";
                    break;
                case "async":
                    _returnType = "Task";
                    signature += ")";
                    break;
                case "helper":
                    _returnType = "DmaAddr";
                    _scopes[0].Add(("p", "KernelPtr"));
                    signature += ", KernelPtr p)";
                    break;
                default:
                    _returnType = "void";
                    signature += ")";
                    break;
            }

            string modifiers = _inAsync ? "async " : "";
            _out.AppendLine($"    public {modifiers}{_returnType} {name}{signature}");
            _out.AppendLine("    {");
            _depth = 0;
            int statements = _random.Next(25) == 0 ? 30 + _random.Next(30) : 2 + _random.Next(7);
            for (int i = 0; i < statements; i++)
            {
                Statement(2);
            }

            if (_inAsync)
            {
                Line(2, "await Task.Yield();");
            }

            if (_returnType == "KernelPtr")
            {
                Line(2, $"return {Ptr()};");
            }
            else if (_returnType == "DmaAddr")
            {
                Line(2, $"return dma_map_single(dev, {Ptr()}, {Size()}, {Dir()});");
            }

            _out.AppendLine("    }");
        }

        private void Statement(int indent)
        {
            int choice = _random.Next(_depth >= 3 ? 14 : 24);
            switch (choice)
            {
                case 0:
                case 1:
                    if (_random.Next(4) == 0)
                    {
                        // An allocation under a spinlock: PA0004 when its flags may sleep.
                        Line(indent, "spin_lock(_lock);");
                        Declare(indent, "KernelPtr", $"{Pick("kmalloc", "kzalloc")}({Size()}, {Flag()})");
                        Line(indent, "spin_unlock(_lock);");
                    }
                    else
                    {
                        Declare(indent, "KernelPtr", $"{Pick("kmalloc", "kzalloc")}({Size()}, {Flag()})");
                    }

                    break;
                case 2:
                    Declare(indent, "KernelPtr", Pick(
                        $"kmalloc_array(2, {Size()}, {Flag()})",
                        $"kmemdup({Ptr()}, {Size()}, {Flag()})",
                        $"krealloc({Ptr()}, {Size()}, {Flag()})",
                        $"{Ptr()} + {Pick("8", "16", "len")}",
                        $"_ring[{_random.Next(4)}]",
                        "_buf", "Current",
                        $"_list.Count > 0 ? _list[0] : {Ptr()}",
                        $"dma_alloc_coherent({Device()}, {Size()}, out var h{_next++}, {Flag()})"));
                    break;
                case 3:
                case 4:
                    Declare(indent, "DmaAddr", $"{Pick("dma_map_single", "dma_map_single")}({Device()}, {Ptr()}, {Size()}, {Dir()})");
                    break;
                case 5:
                    Declare(indent, "DmaAddr", $"swiotlb_map({Device()}, virt_to_phys({Ptr()}), {Size()}, {Dir()}, 0)");
                    break;
                case 6:
                    if (Var("DmaAddr") is { } addr)
                    {
                        if (_random.Next(3) == 0)
                        {
                            // A check first, sometimes: PA0003 is then silent on this use (or on every use, when it is on every path).
                            Line(indent, $"if (dma_mapping_error({Device()}, {addr})) {{ }}");
                        }

                        Line(indent, $"{Pick("dma_unmap_single", "dma_sync_single_for_cpu", "dma_sync_single_for_device")}({Device()}, {addr}, {Size()}, {Dir()});");
                    }
                    else
                    {
                        Line(indent, $"kfree({Ptr()});");
                    }

                    break;
                case 7:
                    Line(indent, Pick($"_buf = {Ptr()};", $"_ring[{_random.Next(4)}] = {Ptr()};", $"_list.Add({Ptr()});", $"Current = {Ptr()};", $"_flags = {Flag()};", $"_dev = {Device()};", $"_packed = {Cond()};"));
                    break;
                case 8:
                    Declare(indent, "bool", Cond());
                    break;
                case 9:
                    Declare(indent, "GfpFlags", $"{Cond()} ? GFP_KERNEL | __GFP_PACKED : GFP_KERNEL");
                    break;
                case 10:
                    CallAnother(indent);
                    break;
                case 11:
                    {
                        string sg = "sg" + _next++;
                        Line(indent, $"var {sg} = new ScatterList[1];");
                        Line(indent, $"sg_init_table({sg}, 1);");
                        Line(indent, $"sg_set_buf({sg}[0], {Ptr()}, {Size()});");
                        Line(indent, $"if (dma_map_sg({Device()}, {sg}, 1, {Dir()}) == 0) {{ }}");
                        break;
                    }

                case 12:
                    {
                        string t = "t" + _next++;
                        Line(indent, $"var {t} = ({Ptr()}, {Size()});");
                        Line(indent, $"dma_map_single({Device()}, {t}.Item1, {t}.Item2, {Dir()});");
                        break;
                    }

                case 13:
                    {
                        string box = "box" + _next++;
                        Line(indent, $"var {box} = new Box<KernelPtr> {{ Value = {Ptr()} }};");
                        Line(indent, $"{box}.Set({Ptr()});");
                        Declare(indent, "KernelPtr", $"{box}.Get()");
                        break;
                    }

                case 14:
                case 15:
                    Block(indent, $"if ({Cond()})", elseToo: _random.Next(2) == 0);
                    break;
                case 16:
                    {
                        string i = "i" + _next++;
                        Block(indent, $"for (int {i} = 0; {i} < {1 + _random.Next(4)}; {i}++)");
                        break;
                    }

                case 17:
                    {
                        string x = "x" + _next++;
                        Block(indent, $"foreach (var {x} in _list)", extra: (x, "KernelPtr"));
                        break;
                    }

                case 18:
                    {
                        Line(indent, "try");
                        Nested(indent);
                        string handler = Pick("catch (System.Exception)", "finally");
                        Line(indent, handler);
                        bool isFinally = handler == "finally";
                        _inFinally += isFinally ? 1 : 0;
                        Nested(indent);
                        _inFinally -= isFinally ? 1 : 0;
                        break;
                    }
                case 19:
                    Line(indent, $"switch ({Dir()})");
                    Line(indent, "{");
                    Line(indent + 1, "case DMA_TO_DEVICE:");
                    Nested(indent + 1, breakAfter: true);
                    Line(indent + 1, "default:");
                    Nested(indent + 1, breakAfter: true);
                    Line(indent, "}");
                    break;
                case 20:
                    {
                        string f = "f" + _next++;
                        Line(indent, $"Func<KernelPtr, DmaAddr> {f} = q => dma_map_single({Device()}, q, {Size()}, {Dir()});");
                        Line(indent, $"{f}({Ptr()});");
                        break;
                    }

                case 21:
                    {
                        string local = "Local" + _next++;
                        Line(indent, $"KernelPtr {local}(KernelPtr q) => {Pick("q", "q + 8", $"kmalloc({Size()}, {Flag()})")};");
                        Declare(indent, "KernelPtr", $"{local}({Ptr()})");
                        break;
                    }

                case 22:
                    {
                        string q = "q" + _next++;
                        Block(indent, $"if ({Pick("_buf", "_ring[0]", Ptr())} is var {q} && !{q}.IsNull)", extra: (q, "KernelPtr"));
                        break;
                    }

                default:
                    if (_inAsync)
                    {
                        Line(indent, "await Task.Yield();");
                    }
                    else
                    {
                        Block(indent, $"while ({Cond()})", breakAfter: true);
                    }

                    break;
            }
        }

        private void CallAnother(int indent)
        {
            var (name, kind) = _methods[_random.Next(_methods.Count)];
            string args = $"{Device()}, {Size()}, {Flag()}, {Dir()}";
            switch (kind)
            {
                case "map":
                    Line(indent, $"{name}({args}, {Ptr()});");
                    break;
                case "alloc":
                    Declare(indent, "KernelPtr", $"{name}({args})");
                    break;
                case "helper":
                    Declare(indent, "DmaAddr", $"{name}({args}, {Ptr()})");
                    break;
                case "async":
                    Line(indent, _inAsync ? $"await {name}({args});" : $"_ = {name}({args});");
                    break;
                default:
                    Line(indent, $"{name}({args});");
                    break;
            }
        }

        private void Block(int indent, string head, bool elseToo = false, bool breakAfter = false, (string, string)? extra = null)
        {
            Line(indent, head);
            Nested(indent, breakAfter, extra);
            if (elseToo)
            {
                Line(indent, "else");
                Nested(indent);
            }
        }

        private void Nested(int indent, bool breakAfter = false, (string Name, string Type)? extra = null)
        {
            Line(indent, "{");
            _scopes.Add(new List<(string, string)>());
            if (extra is { } variable)
            {
                _scopes[_scopes.Count - 1].Add(variable);
            }

            _depth++;
            int statements = 1 + _random.Next(_depth > 1 ? 2 : 3);
            for (int i = 0; i < statements; i++)
            {
                Statement(indent + 1);
            }

            if (_random.Next(6) == 0 && _returnType == "void" && !_inAsync && _inFinally == 0)
            {
                Line(indent + 1, "return;");
            }
            else if (breakAfter)
            {
                Line(indent + 1, "break;");
            }

            _depth--;
            _scopes.RemoveAt(_scopes.Count - 1);
            Line(indent, "}");
        }

        private void Declare(int indent, string type, string value)
        {
            string name = type switch { "KernelPtr" => "p", "DmaAddr" => "a", "bool" => "b", _ => "g" } + _next++;
            Line(indent, $"{type} {name} = {value};");
            _scopes[_scopes.Count - 1].Add((name, type));
        }

        private string? Var(string type)
        {
            var candidates = _scopes.SelectMany(s => s).Where(v => v.Type == type).Select(v => v.Name).ToList();
            return candidates.Count == 0 ? null : candidates[_random.Next(candidates.Count)];
        }

        private string Ptr() => _random.Next(4) == 0 || Var("KernelPtr") == null ? Pick("_buf", "_ring[1]", "Current", $"kmalloc({Size()}, {Flag()})") : Var("KernelPtr")!;

        private string Size() => Pick(Sizes);

        private string Flag() =>
            Var("GfpFlags") is { } local && _random.Next(3) == 0 ? local
            : _random.Next(20) == 0 ? "(in_atomic() ? GFP_ATOMIC : GFP_KERNEL)"   // PA0005's shape
            : Pick(Flags);

        private string Dir() => Pick(Directions);

        private string Device() => Pick("dev", "dev", "_dev", "Machine.Current.CreateDevice(\"d\", coherent: true)", "Machine.Current.CreateDevice(\"e\", coherent: false)");

        private string Cond()
        {
            string? local = Var("bool");
            return Pick(
                $"dev_is_dma_coherent({Device()})",
                $"!dev_is_dma_coherent({Device()})",
                $"dma_kmalloc_needs_bounce({Device()}, {Size()}, {Dir()})",
                $"{Size()} < 64",
                "_packed",
                local ?? "_packed",
                local != null ? "!" + local : "len > 8",
                $"dev_is_dma_coherent({Device()}) is true",
                $"{Dir()} == DMA_TO_DEVICE",
                "_list.Count > 1");
        }

        private string Pick(params string[] options) => options[_random.Next(options.Length)];

        private void Line(int indent, string text) => _out.Append(' ', indent * 4).AppendLine(text);
    }
}
