using System;
using System.Collections.Generic;
using System.Linq;
using PackedAlloc.Runtime;
using PackedAlloc.Samples.Net;
using PackedAlloc.Samples.Spi;
using PackedAlloc.Samples.Uart;

namespace PackedAlloc.Samples
{
    /// <summary>One driver transfer, buggy or fixed, that can run on any machine.</summary>
    public sealed record Scenario(string Driver, string Variant, string How, bool Buggy, Func<Machine, TransferOutcome> Run)
    {
        public override string ToString() => $"{Driver} {Variant} ({How})";
    }

    /// <summary>
    /// Every driver transfer of the samples. Each run plugs in a fresh non-coherent device, probes the driver, runs
    /// one transfer in which the device writes memory while the CPU writes the objects next to the DMA buffers,
    /// removes the driver, and reports what the device and the CPU wrote next to what the CPU reads back.
    /// </summary>
    public static class Scenarios
    {
        public static IReadOnlyList<Scenario> All { get; } = new[]
        {
            new Scenario("uart0", "buggy", "packed mailboxes mapped BIDIRECTIONAL", true, m => Uart(m, "buggy", true, (d, h) => new UartPortBuggy(d, h).AsPort())),
            new Scenario("uart0", "fixed", "mailboxes allocated without __GFP_PACKED", false, m => Uart(m, "fixed", false, (d, h) => new UartPortFixed(d, h).AsPort())),
            new Scenario("uart0", "fixed", "packed mailboxes mapped with swiotlb_map", false, m => Uart(m, "fixed", false, (d, h) => new UartPortSwiotlb(d, h).AsPort())),
            new Scenario("spi0", "buggy", "packed header in the scatterlist", true, m => Spi(m, "buggy", true, (d, h) => new SpiFlashBuggy(d, h).AsPort())),
            new Scenario("spi0", "fixed", "header copied to a DMA-safe kmemdup", false, m => Spi(m, "fixed", false, (d, h) => new SpiFlashFixed(d, h).AsPort())),
            new Scenario("eth0", "buggy", "packed short rx buffers, FROM_DEVICE", true, m => Net(m, "buggy", true, (d, h) => new RxRingBuggy(d, h).AsPort())),
            new Scenario("eth0", "fixed", "needs_bounce ? swiotlb_map : dma_map", false, m => Net(m, "fixed", false, (d, h) => new RxRingFixed(d, h).AsPort())),
        };

        /// <summary>The commands the UART transfer sends.</summary>
        public static readonly string[] UartCommands = { "SET BAUD 115200", "SET FMT 8N1", "SET FIFO 16", "GET LSR" };

        public const long Jiffies = 4_294_937_296; // INITIAL_JIFFIES + a little

        // ---------------------------------------------------------------- UART

        internal sealed record UartOps(Func<int> Probe, Func<string[], long, UartBatchResult> Exec, Action<string> ConsoleWrite, Action Remove);

        internal static UartOps AsPort(this UartPortBuggy p) => new UartOps(p.uart_probe, p.uart_exec_cmds, p.uart_console_write, p.uart_remove);
        internal static UartOps AsPort(this UartPortFixed p) => new UartOps(p.uart_probe, p.uart_exec_cmds, p.uart_console_write, p.uart_remove);
        internal static UartOps AsPort(this UartPortSwiotlb p) => new UartOps(p.uart_probe, p.uart_exec_cmds, p.uart_console_write, p.uart_remove);

        private static TransferOutcome Uart(Machine m, string variant, bool buggy, Func<Device, UartController, UartOps> create)
            => OnDevice(m, "uart0", variant, buggy, dev =>
            {
                var hw = new UartController(dev);
                UartOps port = create(dev, hw);
                Check(port.Probe() == 0, "uart_probe failed");
                port.ConsoleWrite("uart0: console up");
                Check(hw.Transmitted.ToString() == "uart0: console up", "the TX FIFO sent something else");
                UartBatchResult r = port.Exec(UartCommands, Jiffies);
                port.Remove();
                return Enumerable.Range(0, UartCommands.Length).Select(i => new Slot(
                    $"mailbox {i}", hw.StatusWritten[i], r.StatusReadBack[i],
                    $"cmd log {i}", r.LogWritten[i], r.LogReadBack[i])).ToList();
            });

        // ---------------------------------------------------------------- SPI

        internal sealed record SpiOps(Func<int> Probe, Func<int, SpiReadResult> Read, Action Remove);

        internal static SpiOps AsPort(this SpiFlashBuggy p) => new SpiOps(p.spi_flash_probe, p.spi_flash_read_page, p.spi_flash_remove);
        internal static SpiOps AsPort(this SpiFlashFixed p) => new SpiOps(p.spi_flash_probe, p.spi_flash_read_page, p.spi_flash_remove);

        private static TransferOutcome Spi(Machine m, string variant, bool buggy, Func<Device, SpiController, SpiOps> create)
            => OnDevice(m, "spi0", variant, buggy, dev =>
            {
                var hw = new SpiController(dev);
                SpiOps flash = create(dev, hw);
                Check(flash.Probe() == 0, "spi_flash_probe failed");
                SpiReadResult r = flash.Read(0x001000);
                flash.Remove();
                return new List<Slot>
                {
                    new Slot("header", hw.StatusWritten, r.HeaderReadBack,
                        "msg state+stats", Concat(r.StateWritten, r.StatsWritten), Concat(r.StateReadBack, r.StatsReadBack)),
                    new Slot("page", hw.PageWritten, r.PageReadBack, "-", Array.Empty<byte>(), Array.Empty<byte>()),
                };
            });

        // ---------------------------------------------------------------- NET

        internal sealed record NetOps(Func<int> Refill, Func<long, byte[][]> MarkPosted, Func<RxPollResult> Poll, Action Free);

        internal static NetOps AsPort(this RxRingBuggy p) => new NetOps(p.rx_refill, p.rx_mark_posted, p.rx_poll, p.rx_free);
        internal static NetOps AsPort(this RxRingFixed p) => new NetOps(p.rx_refill, p.rx_mark_posted, p.rx_poll, p.rx_free);

        private static TransferOutcome Net(Machine m, string variant, bool buggy, Func<Device, RxNic, NetOps> create)
            => OnDevice(m, "eth0", variant, buggy, dev =>
            {
                var hw = new RxNic(dev);
                NetOps ring = create(dev, hw);
                Check(ring.Refill() == 0, "rx_refill failed");
                byte[][] metaWritten = ring.MarkPosted(Jiffies);   // the CPU writes bookkeeping ...
                hw.ReceiveFrames(RxRingConstants.RX_RING_SIZE);    // ... and frames arrive
                RxPollResult r = ring.Poll();
                ring.Free();
                return Enumerable.Range(0, RxRingConstants.RX_RING_SIZE).Select(i => new Slot(
                    $"rx slot {i} ({(r.Len[i] <= RxRingConstants.RX_SHORT_LEN ? "short" : "long")})", hw.FramesWritten[i], r.FrameReadBack[i],
                    $"rx_slot_info {i}", metaWritten[i], r.MetaReadBack[i])).ToList();
            });

        // ---------------------------------------------------------------- common

        private static TransferOutcome OnDevice(Machine m, string name, string variant, bool buggy, Func<Device, List<Slot>> body)
        {
            using (m.Enter())
            {
                m.ClearDebugReports();
                Device dev = m.CreateDevice(name, coherent: false);
                List<Slot> slots = body(dev);
                m.RemoveDevice(dev);   // dma-debug reports mappings the driver leaked
                return new TransferOutcome(name, variant, buggy, slots, m.DebugReports);
            }
        }

        private static byte[] Concat(byte[] a, byte[] b) => a.Concat(b).ToArray();

        private static void Check(bool ok, string what)
        {
            if (!ok) throw new InvalidOperationException(what);
        }
    }
}
