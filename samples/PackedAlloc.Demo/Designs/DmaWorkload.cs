using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;

// The workload maps packed buffers for DMA on purpose: the machine's bounce design is what is being measured, and under
// every design but the baseline it makes these mappings safe, which the analyzer cannot know.
#pragma warning disable PA0001

namespace PackedAlloc.Demo.Designs
{
    /// <summary>How much work arrives per tick: a steady rate with bursts, and how many ticks a transfer stays mapped.</summary>
    /// <param name="Ticks">Length of the run.</param>
    /// <param name="SteadyPerTick">Transfers started per tick between bursts (half network, half storage).</param>
    /// <param name="BurstPerTick">Transfers started per tick during a burst.</param>
    /// <param name="BurstEvery">A burst starts every this many ticks...</param>
    /// <param name="BurstTicks">...and lasts this many.</param>
    /// <param name="Latency">Ticks from mapping to completion (the device's time).</param>
    public sealed record WorkloadShape(int Ticks, int SteadyPerTick, int BurstPerTick, int BurstEvery, int BurstTicks, int Latency)
    {
        public static WorkloadShape Full { get; } = new WorkloadShape(Ticks: 400, SteadyPerTick: 6, BurstPerTick: 40, BurstEvery: 80, BurstTicks: 8, Latency: 3);

        public static WorkloadShape Quick { get; } = new WorkloadShape(Ticks: 80, SteadyPerTick: 4, BurstPerTick: 24, BurstEvery: 40, BurstTicks: 4, Latency: 2);
    }

    /// <summary>Bounce memory after a tick: what the design holds back and what live mappings use.</summary>
    public sealed record MemorySample(int Tick, long ReservedBytes, long InUseBytes);

    /// <summary>What one run of <see cref="DmaWorkload"/> measured on one machine.</summary>
    public sealed record WorkloadResult(BounceStatistics Bounce, long CacheMaintenance, int Transfers, int CorruptedTransfers,
        long PeakSlabPaddingBytes, double NsPerMapUnmap, double NsPerDirectMapUnmap, IReadOnlyList<MemorySample> Samples)
    {
        /// <summary>Time per map+unmap over a direct mapping's, both measured on the same machine in the same run.</summary>
        public double TimeRatio => NsPerMapUnmap / NsPerDirectMapUnmap;
    }

    /// <summary>
    /// A network receive ring and a storage command queue on two non-coherent devices, with small packed buffers, at a
    /// steady rate with bursts. Receive runs in atomic context (the NIC's softirq, under the ring's spinlock, with
    /// GFP_ATOMIC); storage submits and completes in process context (GFP_KERNEL). While each transfer is in flight
    /// the CPU writes a packed object of the same size class allocated next to the DMA buffer (the packet's shared
    /// info, the command's tag), the neighbour that shares a cache line with it when the design lets it; at completion
    /// both are compared with what the device and the CPU wrote.
    /// </summary>
    public static class DmaWorkload
    {
        private static readonly int[] PacketSizes = { 24, 40, 60, 90, 150, 180 };
        private static readonly int[] StatusSizes = { 16, 24, 40 };

        private sealed class Transfer
        {
            public required KernelPtr Buffer { get; init; }
            public required KernelPtr Neighbour { get; init; }
            public required int Size { get; init; }
            public required DmaAddr Addr { get; init; }
            public required DmaDirection Direction { get; init; }
            public required byte[] Expected { get; init; }
            public required byte[] NeighbourWrote { get; init; }
            public required Device Device { get; init; }
            public required bool Atomic { get; init; }
            public required int DueTick { get; init; }
            public KernelPtr Command { get; init; }
            public DmaAddr CommandAddr { get; init; }
            public int CommandSize { get; init; }
            public bool CommandSeenIntact { get; set; } = true;
        }

        public static WorkloadResult Run(Machine machine, WorkloadShape shape, int seed = 1)
        {
            var rng = new Random(seed);
            var samples = new List<MemorySample>(shape.Ticks);
            var inFlight = new List<Transfer>();
            int transfers = 0, corrupted = 0;
            long padding = 0, peakPadding = 0;
            using (machine.Enter())
            {
                Device nic = machine.CreateDevice("eth0", coherent: false);
                Device disk = machine.CreateDevice("nvme0", coherent: false);
                var ring = new Spinlock();
                for (int tick = 0; tick < shape.Ticks; tick++)
                {
                    // Completions due now.
                    for (int i = inFlight.Count - 1; i >= 0; i--)
                    {
                        Transfer t = inFlight[i];
                        if (t.DueTick > tick) continue;
                        inFlight.RemoveAt(i);
                        if (t.Atomic) CompleteInSoftirq(t, ring);
                        else Complete(t);
                        bool intact = t.Buffer.ToArray(t.Size).AsSpan().SequenceEqual(t.Expected)
                                      && t.Neighbour.ToArray(t.NeighbourWrote.Length).AsSpan().SequenceEqual(t.NeighbourWrote)
                                      && t.CommandSeenIntact;
                        if (!intact) corrupted++;
                        padding -= Padding(t.Buffer, t.Size) + Padding(t.Neighbour, t.Size);
                        kfree(t.Neighbour);
                        kfree(t.Buffer);
                        if (!t.Command.IsNull)
                        {
                            padding -= Padding(t.Command, t.CommandSize);
                            kfree(t.Command);
                        }
                    }

                    bool burst = tick % shape.BurstEvery < shape.BurstTicks;
                    int starts = burst ? shape.BurstPerTick : shape.SteadyPerTick;
                    for (int n = 0; n < starts; n++)
                    {
                        bool rx = n % 2 == 0;
                        Transfer? t = rx ? Receive(nic, ring, rng, tick + shape.Latency) : Submit(disk, rng, tick + shape.Latency);
                        if (t is null) continue; // the mapping failed: counted by the design, the work dropped
                        transfers++;
                        padding += Padding(t.Buffer, t.Size) + Padding(t.Neighbour, t.Size) + (t.Command.IsNull ? 0 : Padding(t.Command, t.CommandSize));
                        peakPadding = Math.Max(peakPadding, padding);
                        inFlight.Add(t);
                    }

                    BounceStatistics s = machine.BounceStatistics;
                    samples.Add(new MemorySample(tick, s.ReservedBytes, s.InUseBytes));
                }

                // Drain what is left, then let the workers finish.
                foreach (Transfer t in inFlight)
                {
                    dma_unmap_single(t.Device, t.Addr, t.Size, t.Direction);
                    kfree(t.Neighbour);
                    kfree(t.Buffer);
                    if (t.Command.IsNull) continue;
                    dma_unmap_single(t.Device, t.CommandAddr, t.CommandSize, DMA_TO_DEVICE);
                    kfree(t.Command);
                }
                machine.FlushWork();
                BounceStatistics bounce = machine.BounceStatistics;
                long maintenance = machine.Cache.MaintenanceOperations;
                (double nsPacked, double nsDirect) = TimeMapUnmap(nic, machine.Options.DmaMinAlign);
                return new WorkloadResult(bounce, maintenance, transfers, corrupted, peakPadding, nsPacked, nsDirect, samples);
            }
        }

        /// <summary>Unmaps a finished transfer.</summary>
        private static void Complete(Transfer t)
        {
            dma_unmap_single(t.Device, t.Addr, t.Size, t.Direction);
            if (!t.Command.IsNull) dma_unmap_single(t.Device, t.CommandAddr, t.CommandSize, DMA_TO_DEVICE);
        }

        /// <summary>The NIC's completion runs in its softirq, under the ring's lock.</summary>
        private static void CompleteInSoftirq(Transfer t, Spinlock ring)
        {
            spin_lock(ring);
            Complete(t);
            spin_unlock(ring);
        }

        /// <summary>A packet arrives: a packed rx buffer mapped FROM_DEVICE in the softirq, the NIC writes the frame at once.</summary>
        private static Transfer? Receive(Device nic, Spinlock ring, Random rng, int due)
        {
            int size = PacketSizes[rng.Next(PacketSizes.Length)];
            spin_lock(ring);
            KernelPtr buf = kmalloc(size, GFP_ATOMIC | __GFP_PACKED);
            KernelPtr info = kmalloc(size, GFP_ATOMIC | __GFP_PACKED); // the packet's shared info: same size class, next to it
            info.Write(Fill(size, rng)); // initialised when the buffer is posted
            DmaAddr addr = dma_map_single(nic, buf, size, DMA_FROM_DEVICE);
            bool failed = dma_mapping_error(nic, addr);
            spin_unlock(ring);
            if (failed)
            {
                kfree(info);
                kfree(buf);
                return null;
            }
            byte[] frame = Fill(size, rng);
            nic.DmaWrite(addr, frame);
            byte[] meta = Fill(size, rng);
            info.Write(meta); // and filled in by the CPU while the frame sits in the buffer
            return new Transfer { Buffer = buf, Neighbour = info, Size = size, Addr = addr, Direction = DMA_FROM_DEVICE, Expected = frame, NeighbourWrote = meta, Device = nic, Atomic = true, DueTick = due };
        }

        /// <summary>A storage command: the command block mapped TO_DEVICE, a packed status buffer FROM_DEVICE, in process context.</summary>
        private static Transfer? Submit(Device disk, Random rng, int due)
        {
            int size = StatusSizes[rng.Next(StatusSizes.Length)];
            const int commandSize = 64;
            KernelPtr cmd = kmalloc(commandSize, GFP_KERNEL | __GFP_PACKED);
            KernelPtr status = kmalloc(size, GFP_KERNEL | __GFP_PACKED);
            KernelPtr tag = kmalloc(size, GFP_KERNEL | __GFP_PACKED); // the request's tag: same size class, next to it
            byte[] command = Fill(commandSize, rng);
            cmd.Write(command);
            tag.Write(Fill(size, rng)); // set up with the request
            DmaAddr cmdAddr = dma_map_single(disk, cmd, commandSize, DMA_TO_DEVICE);
            DmaAddr statusAddr = dma_map_single(disk, status, size, DMA_FROM_DEVICE);
            bool cmdFailed = dma_mapping_error(disk, cmdAddr), statusFailed = dma_mapping_error(disk, statusAddr);
            if (cmdFailed || statusFailed)
            {
                if (!cmdFailed) dma_unmap_single(disk, cmdAddr, commandSize, DMA_TO_DEVICE);
                if (!statusFailed) dma_unmap_single(disk, statusAddr, size, DMA_FROM_DEVICE);
                kfree(tag);
                kfree(status);
                kfree(cmd);
                return null;
            }
            var seen = new byte[commandSize];
            disk.DmaRead(cmdAddr, seen);
            byte[] written = Fill(size, rng);
            disk.DmaWrite(statusAddr, written);
            byte[] tagBytes = Fill(size, rng);
            tag.Write(tagBytes); // and updated while the command runs
            return new Transfer
            {
                Buffer = status, Neighbour = tag, Size = size, Addr = statusAddr, Direction = DMA_FROM_DEVICE, Expected = written, NeighbourWrote = tagBytes,
                Device = disk, Atomic = false, DueTick = due, Command = cmd, CommandAddr = cmdAddr, CommandSize = commandSize,
                CommandSeenIntact = seen.AsSpan().SequenceEqual(command),
            };
        }

        /// <summary>
        /// Time per map+check+unmap, FROM_DEVICE, of the workload's packed receive buffers under the machine's design,
        /// and of the same buffers made DMA-safe by size instead (rounded up to ARCH_DMA_MINALIGN: nothing bounces under
        /// any design), the direct mapping. Measured after the workload (the code is warm), in alternating rounds, the
        /// best round of each.
        /// </summary>
        private static (double Packed, double Direct) TimeMapUnmap(Device dev, int dmaMinAlign)
        {
            var packed = PacketSizes.Select(s => (Buffer: kmalloc(s, GFP_KERNEL | __GFP_PACKED), Size: s)).ToArray();
            var aligned = PacketSizes.Select(s => (s + dmaMinAlign - 1) / dmaMinAlign * dmaMinAlign).Select(s => (Buffer: kmalloc(s, GFP_KERNEL), Size: s)).ToArray();
            double bestPacked = double.MaxValue, bestDirect = double.MaxValue;
            for (int round = 0; round < 5; round++)
            {
                bestPacked = Math.Min(bestPacked, NsPerPair(dev, packed));
                bestDirect = Math.Min(bestDirect, NsPerPair(dev, aligned));
            }
            foreach (var b in packed.Concat(aligned)) kfree(b.Buffer);
            return (bestPacked, bestDirect);
        }

        private static double NsPerPair(Device dev, (KernelPtr Buffer, int Size)[] buffers)
        {
            const int Pairs = 3000;
            long start = Stopwatch.GetTimestamp();
            for (int n = 0; n < Pairs; n++)
            {
                var (buffer, size) = buffers[n % buffers.Length];
                DmaAddr a = dma_map_single(dev, buffer, size, DMA_FROM_DEVICE);
                if (!dma_mapping_error(dev, a)) dma_unmap_single(dev, a, size, DMA_FROM_DEVICE);
            }
            return (Stopwatch.GetTimestamp() - start) * 1e9 / Stopwatch.Frequency / Pairs;
        }

        private static long Padding(KernelPtr p, int requested) => ksize(p) - requested;

        private static byte[] Fill(int size, Random rng)
        {
            var data = new byte[size];
            rng.NextBytes(data);
            data[0] |= 1; // never all zero
            return data;
        }
    }
}
