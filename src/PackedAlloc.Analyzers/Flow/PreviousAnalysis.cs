using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using PackedAlloc.Analyzers.Model;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// What the analysis of a project's last compilation found, kept so that the next compilation of the project
    /// (the IDE makes one at every edit) re-analyses only what the edit can have changed.
    /// <para>
    /// It applies when the two compilations have the same references, options and files, and every changed file
    /// changed only inside method bodies (<see cref="TreeEdit"/>). Then the relevance pass is not run again: each
    /// body keeps its marks, which the pass would give again if each of the changed files' bodies still names one of
    /// its names or still none (the same ones in generic code: <see cref="NameSet.Occurring"/>) and binds to the
    /// same types and symbols of the compilation's own code (<see cref="Relevance.Facts"/>); only
    /// the changed files are bound for that check. The groups of roots that looked at no changed file keep their
    /// findings; the others run again, beside them, as the full run would have run them (<see cref="FlowGroups.RunBeside"/>).
    /// Anything else (a declaration changed, a new name or call in a body, a group that now reads what a kept one
    /// writes, the budget) runs the full analysis, so the result is the one a fresh analysis gives.
    /// </para>
    /// <para>
    /// It holds the previous compilation (to bind the changed files as they were) and the groups' findings, not the
    /// bound bodies, states or memo of the analysis.
    /// </para>
    /// </summary>
    internal sealed class PreviousAnalysis
    {
        private readonly Compilation _compilation;
        private readonly SyntaxTree[] _trees;
        private readonly AnalysisOptions _options;
        private readonly Dictionary<int, BodyMarks[]> _marks;
        private readonly NameSet _names;
        private readonly int[] _relevantTrees;
        private readonly long _relevantOperations;
        private readonly IReadOnlyList<GroupOutcome> _outcomes;

        private PreviousAnalysis(Compilation compilation, AnalysisOptions options, Dictionary<int, BodyMarks[]> marks, NameSet names,
            int[] relevantTrees, long relevantOperations, IReadOnlyList<GroupOutcome> outcomes)
        {
            _compilation = compilation;
            _trees = compilation.SyntaxTrees.ToArray();
            _options = options;
            _marks = marks;
            _names = names;
            _relevantTrees = relevantTrees;
            _relevantOperations = relevantOperations;
            _outcomes = outcomes;
        }

        /// <summary>What a finished analysis leaves for the next compilation; null when it cannot be reused (one group, or the budget ran out).</summary>
        public static PreviousAnalysis? Capture(CompilationFlow flow)
        {
            if (!flow.RanAsGroups || flow.UncheckedRoots.Count > 0 || flow.RelevanceResult == null)
            {
                return null;
            }

            var marks = new Dictionary<int, BodyMarks[]>();
            foreach (var inherited in flow.InheritedMarks ?? new Dictionary<int, BodyMarks[]>())
            {
                marks[inherited.Key] = inherited.Value;
            }

            foreach (var (tree, bodies) in flow.CollectedTrees)
            {
                marks[tree] = bodies.Select(Marks).ToArray();
            }

            var relevance = flow.RelevanceResult;
            var relevantTrees = Enumerable.Range(0, flow.Trees.Count).Where(index => relevance.IsRelevantTree(flow.Trees[index])).ToArray();
            return new PreviousAnalysis(flow.Compilation, flow.Options, marks, relevance.Names, relevantTrees, relevance.RelevantOperations, flow.Outcomes);
        }

        private static BodyMarks Marks(BodyInfo body) =>
            (body.IsRelevant ? BodyMarks.Relevant : 0) | (body.HasCallers ? BodyMarks.HasCallers : 0)
            | (body.ReachesKernel ? BodyMarks.ReachesKernel : 0) | (body.WasScanned ? BodyMarks.Scanned : 0);

        /// <summary>
        /// How <paramref name="flow"/>'s compilation can start from this one: the marks its bodies inherit, the groups
        /// it keeps and the roots it runs again. Null when the edit between the two needs the full analysis.
        /// </summary>
        public Inheritance? TryInherit(CompilationFlow flow)
        {
            var compilation = flow.Compilation;
            var cancellationToken = flow.CancellationToken;
            var trees = flow.Trees;
            if (trees.Count != _trees.Length || !compilation.Options.Equals(_compilation.Options) || !_options.SameAs(flow.Options)
                || !compilation.References.SequenceEqual(_compilation.References))
            {
                return null;
            }

            var changed = new HashSet<int>();
            for (int i = 0; i < trees.Count; i++)
            {
                if (ReferenceEquals(trees[i], _trees[i]))
                {
                    continue;
                }

                if (trees[i].FilePath != _trees[i].FilePath || !TreeEdit.OnlyBodiesChanged(_trees[i], trees[i], cancellationToken))
                {
                    return null;
                }

                changed.Add(i);
            }

            long relevantOperations = _relevantOperations;
            if (changed.Count > 0)
            {
                // The changed trees are bound in both compilations, on the side: the flow's own bodies stay unbound
                // until its analysis, as the relevance pass expects if the check fails.
                var kernel = KernelSymbols.TryCreate(_compilation);
                if (kernel == null)
                {
                    return null;
                }

                var before = new CompilationFlow(_compilation, kernel, _options, cancellationToken);
                var after = new CompilationFlow(compilation, flow.Kernel, flow.Options, cancellationToken);
                before.IndexTrees();
                after.IndexTrees();
                var typesBefore = new KernelValueTypes(kernel.Kernel.ContainingAssembly);
                var typesAfter = new KernelValueTypes(flow.Kernel.Kernel.ContainingAssembly);
                foreach (int index in changed)
                {
                    if (!SameRelevance(index, (before, typesBefore), (after, typesAfter), ref relevantOperations))
                    {
                        return null;
                    }
                }
            }

            var relevance = Relevance.Inherited(flow, _relevantTrees.Select(i => trees[i]), relevantOperations, _names);
            var kept = _outcomes.Where(o => !o.TouchedTrees.Any(changed.Contains)).ToList();
            var rerun = _outcomes.Where(o => o.TouchedTrees.Any(changed.Contains)).SelectMany(o => o.RootOrders).OrderBy(o => o).ToList();
            return new Inheritance(relevance, _marks, _relevantTrees, changed.Count, kept, rerun);
        }

        /// <summary>
        /// Whether the relevance pass would mark the bodies of a changed tree as it did: each body names the same of
        /// the pass's names, and each body it scanned binds to the same types and symbols. Adds the change in the
        /// relevant bodies' size to <paramref name="relevantOperations"/> (the compilation's budget follows it).
        /// </summary>
        private bool SameRelevance(int index, (CompilationFlow Flow, KernelValueTypes Types) before, (CompilationFlow Flow, KernelValueTypes Types) after,
            ref long relevantOperations)
        {
            var cancellationToken = after.Flow.CancellationToken;
            var oldTree = _trees[index];
            var newTree = after.Flow.Trees[index];
            var oldText = oldTree.GetText(cancellationToken);
            var newText = newTree.GetText(cancellationToken);
            if (!_marks.TryGetValue(index, out var marks))
            {
                // The pass never looked at the tree, because no name of its occurred in it: it must not now either.
                return _names.Occurring(newText, new Microsoft.CodeAnalysis.Text.TextSpan(0, newText.Length)).Count == 0
                    && _names.Occurring(oldText, new Microsoft.CodeAnalysis.Text.TextSpan(0, oldText.Length)).Count == 0;
            }

            var oldBodies = before.Flow.CollectTree(oldTree);
            var newBodies = after.Flow.CollectTree(newTree);
            if (oldBodies == null || newBodies == null || oldBodies.Count != marks.Length || newBodies.Count != marks.Length)
            {
                return false;
            }

            for (int i = 0; i < marks.Length; i++)
            {
                var oldNames = _names.Occurring(oldText, oldBodies[i].Node.Span);
                var newNames = _names.Occurring(newText, newBodies[i].Node.Span);
                if (Relevance.InGenericCode(newBodies[i].Owner)
                    ? !oldNames.SequenceEqual(newNames, System.StringComparer.Ordinal)
                    : (oldNames.Count > 0) != (newNames.Count > 0))
                {
                    // A body the pass did not bind must stay unbound, and one it bound must be bound again. In generic
                    // code, also in the same round: what its type parameters stand for is learnt round by round.
                    return false;
                }

                if ((marks[i] & BodyMarks.Scanned) == 0)
                {
                    continue;
                }

                var (oldKeys, oldOperations) = Relevance.Facts(before.Flow, before.Types, oldBodies[i]);
                var (newKeys, newOperations) = Relevance.Facts(after.Flow, after.Types, newBodies[i]);
                if (!oldKeys.SequenceEqual(newKeys, System.StringComparer.Ordinal))
                {
                    return false;
                }

                if ((marks[i] & BodyMarks.Relevant) != 0)
                {
                    relevantOperations += newOperations - oldOperations;
                }
            }

            return true;
        }

        /// <summary>What a compilation takes over from the previous one (see <see cref="TryInherit"/>).</summary>
        internal sealed class Inheritance
        {
            private readonly Dictionary<int, BodyMarks[]> _marks;

            public Inheritance(Relevance relevance, Dictionary<int, BodyMarks[]> marks, int[] relevantTrees, int changedTrees,
                IReadOnlyList<GroupOutcome> kept, IReadOnlyList<int> rerunRoots)
            {
                Relevance = relevance;
                _marks = marks;
                RelevantTrees = relevantTrees;
                ChangedTrees = changedTrees;
                Kept = kept;
                RerunRoots = rerunRoots;
            }

            public Relevance Relevance { get; }

            /// <summary>The marks of every tree the previous analysis collected, by tree index.</summary>
            public IReadOnlyDictionary<int, BodyMarks[]> Marks => _marks;

            /// <summary>The trees (by index) that hold relevant bodies: the roots' trees.</summary>
            public IReadOnlyList<int> RelevantTrees { get; }

            public int ChangedTrees { get; }

            /// <summary>The groups that looked at no changed tree: their findings stand.</summary>
            public IReadOnlyList<GroupOutcome> Kept { get; }

            /// <summary>The roots (by <see cref="BodyInfo.Order"/>) of the groups that looked at a changed tree.</summary>
            public IReadOnlyList<int> RerunRoots { get; }

            /// <summary>Gives a newly collected tree's bodies the marks the previous analysis gave them.</summary>
            public void Apply(int tree, IReadOnlyList<BodyInfo> bodies)
            {
                if (!_marks.TryGetValue(tree, out var marks) || marks.Length != bodies.Count)
                {
                    return;
                }

                for (int i = 0; i < marks.Length; i++)
                {
                    bodies[i].IsRelevant = (marks[i] & BodyMarks.Relevant) != 0;
                    bodies[i].HasCallers = (marks[i] & BodyMarks.HasCallers) != 0;
                    bodies[i].ReachesKernel = (marks[i] & BodyMarks.ReachesKernel) != 0;
                    bodies[i].WasScanned = (marks[i] & BodyMarks.Scanned) != 0;
                }
            }
        }
    }

    /// <summary>What the relevance pass found of a body, kept for the next compilation.</summary>
    [System.Flags]
    internal enum BodyMarks : byte
    {
        Relevant = 1,
        HasCallers = 2,
        ReachesKernel = 4,
        Scanned = 8,
    }

    /// <summary>
    /// The last reusable analysis of each project (by assembly name) an analyzer instance has seen. The IDE keeps one
    /// analyzer instance for many compilations; a build makes one compilation, and this stays empty of use. Only a
    /// few projects are kept: each entry holds a compilation.
    /// </summary>
    internal sealed class PreviousAnalyses
    {
        public const int MaxProjects = 4;

        private readonly object _gate = new object();
        private readonly List<(string Project, PreviousAnalysis Analysis)> _entries = new List<(string, PreviousAnalysis)>();

        public PreviousAnalysis? For(Compilation compilation)
        {
            lock (_gate)
            {
                string project = compilation.AssemblyName ?? "";
                return _entries.FirstOrDefault(e => e.Project == project).Analysis;
            }
        }

        public void Keep(Compilation compilation, PreviousAnalysis? analysis)
        {
            string project = compilation.AssemblyName ?? "";
            lock (_gate)
            {
                _entries.RemoveAll(e => e.Project == project);
                if (analysis == null)
                {
                    return;
                }

                _entries.Add((project, analysis));
                if (_entries.Count > MaxProjects)
                {
                    _entries.RemoveAt(0);
                }
            }
        }
    }
}
