namespace PackedAlloc.Runtime
{
    /// <summary>What a machine's <see cref="BounceDesign"/> has cost so far (<see cref="Machine.BounceStatistics"/>).</summary>
    /// <param name="Design">The design.</param>
    /// <param name="ReservedBytes">Memory the design holds back whether it is used or not: the swiotlb, the coherent bounce pool, the object reserve.</param>
    /// <param name="InUseBytes">Bounce memory held by live mappings now.</param>
    /// <param name="PeakInUseBytes">The most bounce memory live mappings held at once.</param>
    /// <param name="Bounces">Mappings (and scatterlist entries) the design bounced, failed ones included (a swiotlb bounce for a device that cannot reach the buffer is not the design's and not counted).</param>
    /// <param name="AtomicFallbacks">Bounce buffers taken straight from the slab with <c>GFP_ATOMIC</c> because the reserve was empty.</param>
    /// <param name="MappingFailures">Mappings that needed a bounce buffer and got none.</param>
    /// <param name="Growths">Times the coherent pool grew (its worker, or a mapping in process context), the object reserve was refilled by its worker, or the swiotlb's worker added a pool.</param>
    public sealed record BounceStatistics(BounceDesign Design, long ReservedBytes, long InUseBytes, long PeakInUseBytes, long Bounces,
        long AtomicFallbacks, long MappingFailures, long Growths);
}
