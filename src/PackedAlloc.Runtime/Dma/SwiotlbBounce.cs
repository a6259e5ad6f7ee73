using System.Collections.Generic;
using PackedAlloc.Runtime.Memory;

namespace PackedAlloc.Runtime.Dma
{
    /// <summary>Linux 6.5+: bounce through the swiotlb under <see cref="MachineOptions.KmallocBounce"/>; no swiotlb, no packing.</summary>
    internal sealed class SwiotlbBounce : KmallocBouncer
    {
        public SwiotlbBounce(Machine machine) : base(machine) { }

        public override BounceDesign Design => BounceDesign.Swiotlb;

        public override bool PackedHonoured => !(Machine.Options.KmallocBounce && !Machine.Swiotlb.IsActive);

        public override bool Active => Machine.Options.KmallocBounce && Machine.Swiotlb.IsActive;

        public override bool Wants(Device dev, int size, DmaDirection dir) => Active && base.Wants(dev, size, dir);

        public override ulong Map(Device dev, ulong phys, int size, DmaDirection dir, DmaAttrs attrs, in CallerLocation site)
        {
            BounceCount.Increment();
            ulong addr = Machine.Dma.SwiotlbMapPhys(dev, phys, size, dir, attrs);
            if (addr == ulong.MaxValue) FailureCount.Increment();
            return addr;
        }

        public override BounceStatistics Statistics()
        {
            Swiotlb tlb = Machine.Swiotlb;
            return new BounceStatistics(Design, (long)tlb.TotalSlots * Swiotlb.IO_TLB_SIZE, (long)tlb.UsedSlots * Swiotlb.IO_TLB_SIZE,
                (long)tlb.HighWater * Swiotlb.IO_TLB_SIZE, BounceCount.Value, 0, FailureCount.Value, tlb.GrownPools);
        }

        public override List<string> Validate() => Machine.Swiotlb.Validate();
    }
}
