using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using PackedAlloc.Analyzers.Flow;

namespace PackedAlloc.Analyzers.Rules
{
    /// <summary>PA0001: a packed buffer reaches a DMA mapping without a bounce path (the flow's <see cref="SinkHit"/>s).</summary>
    internal static class PackedBufferReachesDma
    {
        /// <summary>
        /// The sink carries the diagnostic; the additional locations are the allocation, the places where the
        /// __GFP_PACKED flag was written, then the route. No properties: the compiler writes every one of them into
        /// SARIF logs, and the code fix finds what it needs from the locations (see <see cref="FlagSiteUse"/>).
        /// </summary>
        public static Diagnostic Report(SinkHit hit)
        {
            var origin = hit.Origin;
            var additional = new List<Location> { origin.Site };
            additional.AddRange(origin.FlagSites);
            additional.AddRange(origin.Steps.Where(s => s != hit.Sink));
            return Diagnostic.Create(Descriptors.PackedBufferReachesDma, hit.Sink, additional,
                origin.Allocator, FlowDiagnostics.Describe(origin.Site), hit.SinkName);
        }
    }
}
