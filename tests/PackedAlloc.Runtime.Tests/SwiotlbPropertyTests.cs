using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;
using static PackedAlloc.Runtime.Tests.TestUtil;

namespace PackedAlloc.Runtime.Tests
{
    /// <summary>
    /// The swiotlb on random interleavings of bounce mappings and unmaps (issue 13): the bounce buffers of live
    /// mappings never overlap (no slot used twice), the slots in use are exactly those the live mappings need (the
    /// kernel's nr_slots of each size) and all come back at the end, and the bytes round-trip in every direction for any size and offset (the device reads what
    /// the CPU wrote for DMA_TO_DEVICE and DMA_BIDIRECTIONAL; the CPU reads what the device wrote after the unmap for
    /// DMA_FROM_DEVICE and DMA_BIDIRECTIONAL). CsCheck shrinks a failure and prints the seed that replays it.
    /// </summary>
    public class SwiotlbPropertyTests
    {
        private static readonly DmaDirection[] Directions = { DmaDirection.DMA_TO_DEVICE, DmaDirection.DMA_FROM_DEVICE, DmaDirection.DMA_BIDIRECTIONAL };

        private sealed record Op(bool Map, int Size, int Offset, DmaDirection Direction, int Target);

        private static readonly Gen<Op> Ops = Gen.Select(Gen.Int[0, 9], Gen.Int[1, 6000], Gen.Int[0, 63], Gen.Int[0, 2], Gen.Int[0, 63])
            .Select((kind, size, offset, direction, target) => new Op(kind < 6, size % 5 == 0 ? size : size % 700 + 1, offset, Directions[direction], target));

        private sealed record Mapping(KernelPtr Buffer, KernelPtr Start, DmaAddr Addr, int Size, DmaDirection Direction, byte[] DeviceData);

        [Fact]
        public void RandomInterleavings_KeepSlotsApartAndBytesIntact() =>
            Ops.Array[1, 50].Sample(RunAndCheck, iter: Iterations(120));

        private static void RunAndCheck(Op[] ops)
        {
            Machine m = Boot();
            using (m.Enter())
            {
                var dev = m.CreateDevice("dev", coherent: false);
                var live = new List<Mapping>();
                int fill = 1;
                foreach (var op in ops)
                {
                    if (op.Map || live.Count == 0)
                    {
                        var buffer = kmalloc(op.Size + op.Offset, GFP_KERNEL);
                        var start = buffer + op.Offset;
                        var cpuData = Pattern(op.Size, unchecked((byte)(fill++ * 31)));
                        start.Write(cpuData);
                        var addr = swiotlb_map(dev, virt_to_phys(start), op.Size, op.Direction, 0);
                        Assert.False(dma_mapping_error(dev, addr));
                        Assert.True(is_swiotlb_buffer(dev, new PhysAddr(addr.Value)), "a swiotlb mapping outside the pools");

                        var seen = new byte[op.Size];
                        dev.DmaRead(addr, seen);
                        if (op.Direction != DmaDirection.DMA_FROM_DEVICE)
                        {
                            Assert.True(seen.AsSpan().SequenceEqual(cpuData), "the device did not read what the CPU wrote");
                        }

                        byte[] deviceData = cpuData;
                        if (op.Direction != DmaDirection.DMA_TO_DEVICE)
                        {
                            deviceData = Pattern(op.Size, unchecked((byte)(fill++ * 31)));
                            dev.DmaWrite(addr, deviceData);
                        }

                        live.Add(new Mapping(buffer, start, addr, op.Size, op.Direction, deviceData));
                    }
                    else
                    {
                        var mapping = live[op.Target % live.Count];
                        live.Remove(mapping);
                        dma_unmap_single(dev, mapping.Addr, mapping.Size, mapping.Direction);
                        Assert.True(mapping.Start.ToArray(mapping.Size).AsSpan().SequenceEqual(mapping.DeviceData),
                            $"after the unmap the CPU does not see what it should ({mapping.Direction}, {mapping.Size} bytes)");
                        kfree(mapping.Buffer);
                    }

                    CheckSlots(m, live);
                }

                foreach (var mapping in live)
                {
                    dma_unmap_single(dev, mapping.Addr, mapping.Size, mapping.Direction);
                    kfree(mapping.Buffer);
                }

                Assert.Equal(0, m.Swiotlb.UsedSlots);
            }
        }

        private static void CheckSlots(Machine m, List<Mapping> live)
        {
            // The kernel's accounting: a mapping holds nr_slots(size) slots of IO_TLB_SIZE bytes (the device has no
            // min_align_mask, so no offset is added), at least one.
            int slotSize = Dma.Swiotlb.IO_TLB_SIZE;
            Assert.Equal(live.Sum(l => Math.Max(1, (l.Size + slotSize - 1) / slotSize)), m.Swiotlb.UsedSlots);
            var ordered = live.OrderBy(l => l.Addr.Value).ToList();
            for (int i = 1; i < ordered.Count; i++)
            {
                Assert.True(ordered[i - 1].Addr.Value + (ulong)ordered[i - 1].Size <= ordered[i].Addr.Value,
                    $"two live bounce buffers overlap at {ordered[i].Addr.Value:x}");
            }
        }
    }
}
