using System.Threading;
using PackedAlloc.Runtime.Slab;

namespace PackedAlloc.Runtime.Memory
{
    /// <summary>
    /// KASAN, by owner rather than by shadow memory: an access must fall inside one live object (its requested
    /// size, as KASAN poisons the rest of the bucket) or inside a region the kernel owns.
    /// </summary>
    internal static class Kasan
    {
        public static PageOwner Check(Machine machine, ulong phys, int length, bool write)
        {
            PhysicalMemory mem = machine.Memory;
            ulong end = phys + (ulong)length;
            ulong virt = PhysicalMemory.ToVirt(phys);
            // The report's lines are made only for a report: a check that passes (nearly every one, on every CPU
            // access and mapping) allocates nothing.
            string Access() => $"{(write ? "Write" : "Read")} of size {length} at addr {virt:x16} by task {CpuContext.Name}";
            switch (mem.OwnerOf(phys))
            {
                case SlabPageOwner so:
                {
                    Slab.Slab slab = so.Slab;
                    KmemCache cache = slab.Cache;
                    int index = slab.IndexOf(phys);
                    if (index < 0)
                        throw machine.Reports.Kasan($"BUG: KASAN: slab-out-of-bounds\n{Access()}\nThe buggy address is in the unused tail of a {cache.Name} slab");
                    ulong objStart = slab.ObjectStart(index);
                    // Read without the cache's lock, as KASAN reads its shadow: a byte and an int are read whole, and
                    // an access racing with the object's free is a use-after-free either way. Under the lock every
                    // CPU access and mapping of two threads using one kmalloc size waited on each other.
                    {
                        ObjectState state = (ObjectState)Volatile.Read(ref System.Runtime.CompilerServices.Unsafe.As<ObjectState, byte>(ref slab.State[index]));
                        string Located() => $"The buggy address belongs to the object at {PhysicalMemory.ToVirt(objStart):x16} which belongs to the cache {cache.Name} of size {cache.Size}\n" +
                                            $"The buggy address is located {phys - objStart} bytes inside of ";
                        if (state == ObjectState.Quarantined || state == ObjectState.Free)
                            throw machine.Reports.Kasan($"BUG: KASAN: slab-use-after-free\n{Access()}\n{Located()}freed {slab.Requested[index]}-byte region\nAllocated at: {CallerLocation.Describe(slab.AllocSites[index])}\nFreed at: {CallerLocation.Describe(slab.FreeSites[index])}");
                        if (state == ObjectState.NeverUsed)
                            throw machine.Reports.Kasan($"BUG: KASAN: slab-out-of-bounds\n{Access()}\n{Located()}an object that was never allocated");
                        if (end > objStart + (ulong)slab.Requested[index])
                            throw machine.Reports.Kasan($"BUG: KASAN: slab-out-of-bounds\n{Access()}\n{Located()}allocated {slab.Requested[index]}-byte region [{PhysicalMemory.ToVirt(objStart):x16}, {PhysicalMemory.ToVirt(objStart) + (ulong)slab.Requested[index]:x16})\nAllocated at: {CallerLocation.Describe(slab.AllocSites[index])}");
                    }
                    return so;
                }
                case LargeKmallocOwner large:
                    if (end > large.Start + (ulong)large.Requested)
                        throw machine.Reports.Kasan($"BUG: KASAN: slab-out-of-bounds\n{Access()}\nThe buggy address is located {phys - large.Start} bytes inside of allocated {large.Requested}-byte region [{PhysicalMemory.ToVirt(large.Start):x16}, {PhysicalMemory.ToVirt(large.Start) + (ulong)large.Requested:x16})\nAllocated at: {CallerLocation.Describe(large.Site)}");
                    return large;
                case RegionOwner region:
                    if (end > region.Start + (ulong)region.Length)
                        throw machine.Reports.Kasan($"BUG: KASAN: out-of-bounds\n{Access()}\nThe buggy address is located {phys - region.Start} bytes inside of the {region.Length}-byte {region.Name} at {PhysicalMemory.ToVirt(region.Start):x16}");
                    return region;
                case FreedPagesOwner freed:
                    throw machine.Reports.Kasan($"BUG: KASAN: use-after-free\n{Access()}\nThe buggy address is located {phys - freed.Start} bytes inside of the freed {freed.What} at {PhysicalMemory.ToVirt(freed.Start):x16}\nAllocated at: {CallerLocation.Describe(freed.AllocSite)}\nFreed at: {CallerLocation.Describe(freed.FreeSite)}");
                default:
                    throw machine.Reports.Kasan($"BUG: KASAN: wild-memory-access\n{Access()}\nThe address is not in any allocated object");
            }
        }
    }
}
