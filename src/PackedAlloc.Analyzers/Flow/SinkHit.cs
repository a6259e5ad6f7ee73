using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>PA0001's finding: a packed allocation found at the buffer argument of a DMA mapping, with no bounce path on the way.</summary>
    internal sealed class SinkHit : Finding
    {
        public SinkHit(Location sink, string sinkName, Origin origin)
        {
            Sink = sink;
            SinkName = sinkName;
            Origin = origin;
        }

        /// <summary>The mapped argument.</summary>
        public Location Sink { get; }

        /// <summary>The mapping function's name, for the message.</summary>
        public string SinkName { get; }

        public Origin Origin { get; }

        public override string RuleId => Descriptors.PackedBufferReachesDmaId;

        public override Location Location => Sink;

        /// <summary>One diagnostic per sink and allocation pair.</summary>
        public override (string Rule, Location First, Location Second) Key => (RuleId, Sink, Origin.Site);

        public override IEnumerable<Location> Places
        {
            get
            {
                yield return Sink;
                yield return Origin.Site;
                foreach (var site in Origin.FlagSites) yield return site;
                foreach (var step in Origin.Steps) yield return step;
            }
        }
    }
}
