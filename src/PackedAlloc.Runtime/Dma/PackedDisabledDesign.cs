using PackedAlloc.Runtime.Memory;

namespace PackedAlloc.Runtime.Dma
{
    /// <summary>kmalloc ignores <c>__GFP_PACKED</c>: nothing to bounce.</summary>
    internal sealed class PackedDisabledDesign : KmallocBouncer
    {
        public PackedDisabledDesign(Machine machine) : base(machine) { }

        public override BounceDesign Design => BounceDesign.PackedDisabled;

        public override bool PackedHonoured => false;

        public override bool Active => false;

        public override bool Wants(Device dev, int size, DmaDirection dir) => false;

        public override ulong Map(Device dev, ulong phys, int size, DmaDirection dir, DmaAttrs attrs, in CallerLocation site) =>
            throw new System.InvalidOperationException("no mapping bounces when __GFP_PACKED is ignored");

        public override BounceStatistics Statistics() => new BounceStatistics(Design, 0, 0, 0, 0, 0, 0, 0);
    }
}
