using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// The graph's captures that are only ever assigned to: <c>ring[i] = c ? x : y</c> captures <c>ring[i]</c> before
    /// the branches, and C# never reads that element. Evaluating such a capture as a value read the element from the
    /// compilation's summaries before the assignment wrote it, and that read of an entry the same root then wrote made
    /// the whole root run again in the next round.
    /// </summary>
    internal static class CaptureUses
    {
        private static readonly ConditionalWeakTable<ControlFlowGraph, HashSet<CaptureId>> AssignedOnly =
            new ConditionalWeakTable<ControlFlowGraph, HashSet<CaptureId>>();

        /// <summary>Whether every use of the capture in the graph is as the target of a simple assignment.</summary>
        [MethodImpl(HotPath.Optimized)]
        public static bool IsAssignedOnly(ControlFlowGraph graph, CaptureId id) =>
            AssignedOnly.GetValue(graph, Find).Contains(id);

        private static HashSet<CaptureId> Find(ControlFlowGraph graph)
        {
            var assigned = new HashSet<CaptureId>();
            var read = new HashSet<CaptureId>();
            foreach (var block in graph.Blocks)
            {
                foreach (var operation in block.Operations) Collect(operation, assigned, read);
                if (block.BranchValue != null) Collect(block.BranchValue, assigned, read);
            }

            assigned.ExceptWith(read);
            return assigned;
        }

        private static void Collect(Microsoft.CodeAnalysis.IOperation root, HashSet<CaptureId> assigned, HashSet<CaptureId> read)
        {
            foreach (var operation in root.DescendantsAndSelf())
            {
                if (operation is IFlowCaptureReferenceOperation reference)
                {
                    bool isTarget = reference.Parent is ISimpleAssignmentOperation assignment && assignment.Target == reference;
                    (isTarget ? assigned : read).Add(reference.Id);
                }
            }
        }
    }
}
