using Microsoft.CodeAnalysis;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>A packed allocation found at the buffer argument of a DMA mapping, with no bounce path on the way.</summary>
    internal sealed class SinkHit
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

        /// <summary>One diagnostic per sink and allocation pair.</summary>
        public (Location, Location) Key => (Sink, Origin.Site);
    }
}
