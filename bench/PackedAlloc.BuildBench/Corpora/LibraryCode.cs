using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace PackedAlloc.BuildBench.Corpora
{
    /// <summary>
    /// Library-shaped C# that never touches PackedAlloc: one shared file of abstractions and many modules, each a
    /// namespace of classes with fields and properties, virtual and interface calls, an abstract base, recursion,
    /// generic classes and methods, LINQ over lists, async methods, lambdas, try/catch, switch and string building.
    /// Each module's service calls into up to three randomly chosen earlier modules' services, so the call graph
    /// fans out across the corpus the way a real library's does (a layer calling several below it), and a few
    /// leak a disposable so that CA2000 has something to find.
    /// </summary>
    internal static class LibraryCode
    {
        public const string CommonPath = "Common/Common.cs";

        public static string ModulePath(int index) => $"Modules/M{index:D4}.cs";

        public static string Common() => """
            using System;
            using System.Collections.Generic;
            using System.Linq;
            using System.Text;

            namespace Lib.Common
            {
                /// <summary>What every module's service can be asked: the seam for interface calls across modules.</summary>
                public interface IComponent
                {
                    string Name { get; }
                    int Score(int input);
                    string Describe();
                }

                public abstract class ComponentBase : IComponent
                {
                    protected ComponentBase(string name) { Name = name; }
                    public string Name { get; }
                    public abstract int Score(int input);
                    public virtual string Describe() => Name + "(" + Score(1) + ")";
                }

                public sealed class Registry<T> where T : IComponent
                {
                    private readonly Dictionary<string, T> _byName = new Dictionary<string, T>();
                    public int Count => _byName.Count;
                    public void Add(T item) => _byName[item.Name] = item;
                    public bool TryGet(string name, out T item) => _byName.TryGetValue(name, out item);
                    public IEnumerable<T> Where(Func<T, bool> predicate) => _byName.Values.Where(predicate);

                    public TResult Aggregate<TResult>(TResult seed, Func<TResult, T, TResult> step)
                    {
                        var result = seed;
                        foreach (var item in _byName.Values)
                        {
                            result = step(result, item);
                        }
                        return result;
                    }
                }

                public sealed class TreeNode<T>
                {
                    public TreeNode(T value, params TreeNode<T>[] children)
                    {
                        Value = value;
                        Children = new List<TreeNode<T>>(children);
                    }

                    public T Value { get; }
                    public List<TreeNode<T>> Children { get; }
                    public int Depth() => 1 + (Children.Count == 0 ? 0 : Children.Max(child => child.Depth()));

                    public IEnumerable<T> Flatten()
                    {
                        yield return Value;
                        foreach (var child in Children)
                        {
                            foreach (var value in child.Flatten())
                            {
                                yield return value;
                            }
                        }
                    }
                }

                public static class Text
                {
                    public static string Describe(string what, int size) =>
                        new StringBuilder().Append(what).Append(" (").Append(size).Append(" bytes)").ToString();

                    public static string JoinLines(IEnumerable<string> lines)
                    {
                        var builder = new StringBuilder();
                        foreach (var line in lines)
                        {
                            builder.AppendLine(line);
                        }
                        return builder.ToString();
                    }
                }
            }

            """;

        /// <param name="index">The module's number, which names its namespace and types.</param>
        /// <param name="dependencies">Earlier modules this one calls into; none for the first.</param>
        public static string Module(int index, IReadOnlyList<int> dependencies, Random random) => new ModuleWriter(index, dependencies, random).Write();

        /// <summary>Writes one module; every choice comes from the seeded random source, so a seed gives one text.</summary>
        private sealed class ModuleWriter
        {
            private static readonly string[] StageKinds = { "Add", "Scale", "Clamp", "Mix", "Shift", "Fold" };

            private readonly int _index;
            private readonly IReadOnlyList<int> _dependencies;
            private readonly Random _random;

            public ModuleWriter(int index, IReadOnlyList<int> dependencies, Random random)
            {
                _index = index;
                _dependencies = dependencies;
                _random = random;
            }

            private string Ns => $"Lib.M{_index}";

            public string Write()
            {
                var stages = Enumerable.Range(0, _random.Next(2, 5)).Select(s => $"{StageKinds[_random.Next(StageKinds.Length)]}Stage{_index}_{s}").ToList();
                var types = new List<string> { Header() };
                types.AddRange(stages.Select(Stage));
                types.Add(Pipeline());
                types.Add(Algorithms());
                types.Add(Service(stages));
                return string.Join("\n", types) + "}\n";
            }

            private int Constant(int max = 100) => _random.Next(2, max);

            private string Header() => $$"""
                using System;
                using System.Collections.Generic;
                using System.IO;
                using System.Linq;
                using System.Text;
                using System.Threading.Tasks;
                using Lib.Common;

                namespace {{Ns}}
                {
                    public enum Mode{{_index}} { Fast, Careful, Batch, Off }

                    public interface IStage{{_index}}
                    {
                        int Apply(int value);
                    }

                    public abstract class Stage{{_index}} : ComponentBase, IStage{{_index}}
                    {
                        protected Stage{{_index}}(string name, int weight) : base(name) { Weight = weight; }
                        public int Weight { get; protected set; }
                        public abstract int Apply(int value);
                        public override int Score(int input) => Apply(input) * Weight;
                    }

                """;

            private string Stage(string name)
            {
                string apply = _random.Next(4) switch
                {
                    0 => "value + _factor",
                    1 => "value * _factor % 1009",
                    2 => "Math.Abs(value - _factor)",
                    _ => "(value ^ _factor) + Weight",
                };
                string describe = _random.Next(2) == 0
                    ? "\n        public override string Describe() => base.Describe() + \"/\" + _factor;"
                    : string.Empty;
                return $$"""
                        public sealed class {{name}} : Stage{{_index}}
                        {
                            private readonly int _factor = {{Constant()}};
                            public {{name}}() : base("{{name.ToLowerInvariant()}}", {{Constant(10)}}) { }
                            public override int Apply(int value) => {{apply}};{{describe}}
                        }

                    """;
            }

            private string Pipeline() => $$"""
                    public sealed class Pipeline{{_index}}<T> where T : IStage{{_index}}
                    {
                        private readonly List<T> _stages = new List<T>();
                        public int Count => _stages.Count;
                        public void Add(T stage) => _stages.Add(stage);

                        public int Run(int input)
                        {
                            var value = input;
                            foreach (var stage in _stages)
                            {
                                value = stage.Apply(value);
                            }
                            return value;
                        }

                        public TResult Fold<TResult>(TResult seed, Func<TResult, T, TResult> step) => _stages.Aggregate(seed, step);

                        public IEnumerable<int> Trace(int input)
                        {
                            var value = input;
                            foreach (var stage in _stages)
                            {
                                value = stage.Apply(value);
                                yield return value;
                            }
                        }
                    }

                """;

            private string Algorithms()
            {
                var queries = new StringBuilder();
                int count = _random.Next(1, 4);
                for (int q = 0; q < count; q++)
                {
                    queries.Append(_random.Next(3) switch
                    {
                        0 => $"        public static List<int> Query{q}(List<int> values) => values.Where(v => v % {Constant(9)} == {_random.Next(2)}).Select(v => v * {Constant()}).OrderBy(v => v).ToList();\n",
                        1 => $"        public static Dictionary<int, int> Query{q}(List<int> values) => values.GroupBy(v => v % {Constant(7)}).ToDictionary(g => g.Key, g => g.Sum());\n",
                        _ => $"        public static bool Query{q}(List<int> values) => values.Distinct().Take({Constant(20)}).Any(v => v > {Constant(500)}) && values.All(v => v != {Constant()});\n",
                    });
                }

                return $$"""
                        public static class Algorithms{{_index}}
                        {
                            public static int Fib(int n) => n < 2 ? n : Fib(n - 1) + Fib(n - 2);
                            public static bool IsEven(int n) => n == 0 || IsOdd(n - 1);
                            public static bool IsOdd(int n) => n != 0 && IsEven(n - 1);
                            public static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);
                            public static int SumTree(TreeNode<int> node) => node.Value + node.Children.Sum(child => SumTree(child));

                            public static T Largest<T>(IReadOnlyList<T> items) where T : IComparable<T>
                            {
                                if (items.Count == 0) throw new ArgumentException("no items", nameof(items));
                                var best = items[0];
                                for (int i = 1; i < items.Count; i++)
                                {
                                    if (items[i].CompareTo(best) > 0) best = items[i];
                                }
                                return best;
                            }

                    {{queries}}    }

                    """;
            }

            private string Service(IReadOnlyList<string> stages)
            {
                int c = Constant(50);
                var fields = _dependencies.Select((d, j) => (Name: $"_dependency{j}", Type: $"Lib.M{d}.Service{d}")).ToList();
                string declareFields = string.Concat(fields.Select(f => $"        private readonly {f.Type} {f.Name};\n"));
                string parameters = string.Join(", ", fields.Select(f => $"{f.Type} {f.Name.Substring(1)}"));
                string assignFields = string.Concat(fields.Select(f => $"            {f.Name} = {f.Name.Substring(1)};\n"));
                string scoreDependencies = string.Concat(fields.Select(f => $"            if ({f.Name} != null) total += {f.Name}.Score(total % {c});\n"));

                // Awaiting, walking and classifying go through the first dependency only (a chain, not a tree).
                string first = fields.Count > 0 ? fields[0].Name : "null";
                string awaitDependency = fields.Count > 0 ? $"{first} == null ? 0 : await {first}.ComputeAsync(first % {c})" : "0";
                string classifyDependency = fields.Count > 0 ? $"{first}?.Classify(value) ?? 0" : "0";
                string walkDependency = fields.Count > 0 ? $"({first}?.Score(depth) ?? 0)" : "0";
                string addStages = string.Concat(stages.Select(s => $"            _pipeline.Add(new {s}());\n"));
                var extras = new StringBuilder();
                int extraCount = _random.Next(2, 7);
                for (int e = 0; e < extraCount; e++)
                {
                    extras.Append(ExtraMethod(e, walkDependency));
                }

                if (_random.Next(3) == 0)
                {
                    extras.Append("""

                                public int Peek(byte[] data)
                                {
                                    var reader = new BinaryReader(new MemoryStream(data));
                                    return reader.ReadByte(); // the reader is never disposed: CA2000
                                }

                        """);
                }

                return $$"""
                        public class Service{{_index}} : ComponentBase
                        {
                            private readonly Pipeline{{_index}}<Stage{{_index}}> _pipeline = new Pipeline{{_index}}<Stage{{_index}}>();
                            private readonly Registry<IComponent> _registry = new Registry<IComponent>();
                            private readonly List<int> _history = new List<int>();
                    {{declareFields}}        private Mode{{_index}} _mode = Mode{{_index}}.{{(Mode)_random.Next(4)}};

                            public Service{{_index}}({{parameters}}) : base("service{{_index}}")
                            {
                    {{assignFields}}{{addStages}}            _registry.Add(this);
                            }

                            public int Calls { get; private set; }

                            public Mode{{_index}} Mode
                            {
                                get => _mode;
                                set => _mode = value;
                            }

                            public override int Score(int input)
                            {
                                Calls++;
                                var total = _pipeline.Run(input) + Classify(input) % 7;
                    {{scoreDependencies}}            return total;
                            }

                            public virtual int Classify(int value)
                            {
                                switch (_mode)
                                {
                                    case Mode{{_index}}.Fast:
                                        return value;
                                    case Mode{{_index}}.Careful:
                                        return Algorithms{{_index}}.Gcd(Math.Abs(value), {{c}});
                                    case Mode{{_index}}.Batch:
                                        return _pipeline.Fold(value, (acc, stage) => acc + stage.Apply(acc) % 97);
                                    default:
                                        return {{classifyDependency}};
                                }
                            }

                            public string Label(int value) => value switch
                            {
                                < 0 => "negative",
                                0 => "zero",
                                < {{c}} => "small",
                                _ => "large",
                            };

                            public async Task<int> ComputeAsync(int input)
                            {
                                await Task.Yield();
                                var first = await Task.Run(() => Score(input));
                                var rest = {{awaitDependency}};
                                _history.Add(first + rest);
                                return first + rest;
                            }

                            public int ParseOrDefault(string text)
                            {
                                try
                                {
                                    return checked(int.Parse(text) * {{c}});
                                }
                                catch (FormatException)
                                {
                                    return -1;
                                }
                                catch (OverflowException ex) when (ex.Message.Length > 0)
                                {
                                    return int.MaxValue;
                                }
                                finally
                                {
                                    Calls++;
                                }
                            }

                            public string Report()
                            {
                                var builder = new StringBuilder();
                                builder.Append(Name).Append(':');
                                foreach (var entry in _history.Where(h => h > {{c}}).Take({{Constant(20)}}))
                                {
                                    builder.Append(' ').Append(Label(entry)).Append(Classify(entry));
                                }
                                builder.AppendLine().Append(Describe());
                                return builder.ToString();
                            }

                            public string Export()
                            {
                                using var writer = new StringWriter();
                                foreach (var value in _pipeline.Trace({{c}}))
                                {
                                    writer.WriteLine(value);
                                }
                                return writer.ToString();
                            }

                            public int Recurse(TreeNode<int> node) =>
                                node.Children.Count == 0 ? Classify(node.Value) : node.Children.Sum(child => Recurse(child));
                    {{extras}}    }

                    """;
            }

            /// <summary>One of several everyday method shapes, so that modules differ in length and content.</summary>
            /// <param name="walkDependency">An expression that calls into a dependency with <c>depth</c>.</param>
            private string ExtraMethod(int e, string walkDependency)
            {
                int c = Constant();
                return _random.Next(7) switch
                {
                    0 => $$"""

                                public int Accumulate{{e}}(IEnumerable<int> values)
                                {
                                    int total = {{c}};
                                    foreach (var v in values)
                                    {
                                        if (v % 3 == 0) continue;
                                        total += v > {{c}} ? Classify(v) / 2 : Score(v);
                                    }
                                    return total;
                                }

                        """,
                    1 => $$"""

                                public Dictionary<string, int> Histogram{{e}}(IEnumerable<string> words) =>
                                    words.GroupBy(w => Label(w.Length - {{c % 12}})).ToDictionary(g => g.Key, g => g.Count());

                        """,
                    2 => $$"""

                                public IEnumerable<string> Names{{e}}() =>
                                    _registry.Where(item => item.Name.Length > {{c % 9}}).Select(item => item.Describe()).OrderBy(n => n, StringComparer.Ordinal);

                        """,
                    3 => $$"""

                                public int Walk{{e}}(int depth) =>
                                    depth <= 0 ? {{c}} : Walk{{e}}(depth - 1) + {{walkDependency}};

                        """,
                    4 => $$"""

                                public Func<int, int> Compose{{e}}(int offset)
                                {
                                    Func<int, int> first = x => x + offset;
                                    Func<int, int> second = x => _pipeline.Run(x) - {{c}};
                                    return x => second(first(x));
                                }

                        """,
                    5 => $$"""

                                public async Task<string> Summarize{{e}}Async(IEnumerable<int> inputs)
                                {
                                    var parts = new List<string>();
                                    foreach (var input in inputs)
                                    {
                                        parts.Add(Label(await ComputeAsync(input + {{c}})));
                                    }
                                    return string.Join(",", parts);
                                }

                        """,
                    _ => $$"""

                                public (int Min, int Max) Range{{e}}(IReadOnlyList<int> values)
                                {
                                    if (values.Count == 0) return ({{c}}, {{c}});
                                    int min = values[0], max = values[0];
                                    for (int i = 1; i < values.Count; i++)
                                    {
                                        min = Math.Min(min, values[i]);
                                        max = Math.Max(max, values[i]);
                                    }
                                    return (min, max);
                                }

                        """,
                };
            }

            private enum Mode { Fast, Careful, Batch, Off }
        }
    }
}
