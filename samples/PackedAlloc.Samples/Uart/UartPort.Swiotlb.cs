using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;
using static PackedAlloc.Samples.Uart.UartPortConstants;

namespace PackedAlloc.Samples.Uart
{
    /// <summary>
    /// FIXED by bouncing: the mailboxes stay packed (the memory saving is kept) but are mapped through the swiotlb,
    /// so the controller works on a line-aligned bounce slot and the data is copied back by the CPU at unmap.
    /// dma_unmap_single finds the bounce by itself.
    /// </summary>
    public sealed class UartPortSwiotlb
    {
        private readonly Device dev;
        private readonly UartController hw;
        private readonly KernelPtr[] mbox = new KernelPtr[UART_NR_MBOX];
        private readonly KernelPtr[] cmdlog = new KernelPtr[UART_NR_MBOX];
        private readonly DmaAddr[] mbox_dma = new DmaAddr[UART_NR_MBOX];
        private KernelPtr tx_buf;

        public UartPortSwiotlb(Device dev, UartController hw)
        {
            this.dev = dev;
            this.hw = hw;
        }

        public int uart_probe()
        {
            for (int i = 0; i < UART_NR_MBOX; i++)
            {
                mbox[i] = kmalloc(UART_MBOX_LEN, GFP_KERNEL | __GFP_PACKED);   // packed, and bounced below
                cmdlog[i] = kzalloc(UART_LOG_LEN, GFP_KERNEL | __GFP_PACKED);  // fine: never reaches DMA
                if (mbox[i].IsNull || cmdlog[i].IsNull) return -12; // -ENOMEM
            }
            tx_buf = kmalloc(UART_TX_LEN, GFP_KERNEL | __GFP_PACKED);         // fine: only mapped DMA_TO_DEVICE
            return tx_buf.IsNull ? -12 : 0;
        }

        /// <summary>Queues up to UART_NR_MBOX commands, waits for the controller, and returns what came back.</summary>
        public UartBatchResult uart_exec_cmds(string[] cmds, long jiffies)
        {
            int n = cmds.Length;
            var logWritten = new byte[n][];
            for (int i = 0; i < n; i++)
            {
                Bytes.Store(mbox[i], Bytes.Ascii(cmds[i], UART_MBOX_LEN));
                mbox_dma[i] = swiotlb_map(dev, virt_to_phys(mbox[i]), UART_MBOX_LEN, DMA_BIDIRECTIONAL, 0);
                if (dma_mapping_error(dev, mbox_dma[i])) throw new System.InvalidOperationException("uart: mailbox map failed");
            }
            hw.Doorbell(mbox_dma, n);

            // While the controller works, the CPU logs the queued commands.
            for (int i = 0; i < n; i++)
                logWritten[i] = Bytes.Store(cmdlog[i], Bytes.Ascii($"cmd{i} q@{jiffies + i}", UART_LOG_LEN));

            hw.WaitForIrq();
            var status = new byte[n][];
            var logNow = new byte[n][];
            for (int i = 0; i < n; i++)
            {
                dma_unmap_single(dev, mbox_dma[i], UART_MBOX_LEN, DMA_BIDIRECTIONAL);
                status[i] = Bytes.Load(mbox[i], UART_MBOX_LEN);
            }
            for (int i = 0; i < n; i++) logNow[i] = Bytes.Load(cmdlog[i], UART_LOG_LEN);
            return new UartBatchResult(status, logWritten, logNow);
        }

        /// <summary>A short console write through the TX FIFO: the device only reads, so a packed buffer is safe.</summary>
        public void uart_console_write(string text)
        {
            int len = System.Math.Min(text.Length, UART_TX_LEN);
            Bytes.Store(tx_buf, Bytes.Ascii(text, len));
            DmaAddr addr = dma_map_single(dev, tx_buf, len, DMA_TO_DEVICE);
            if (dma_mapping_error(dev, addr)) return;
            hw.Transmit(addr, len);
            dma_unmap_single(dev, addr, len, DMA_TO_DEVICE);
        }

        public void uart_remove()
        {
            for (int i = 0; i < UART_NR_MBOX; i++)
            {
                kfree(mbox[i]);
                kfree(cmdlog[i]);
            }
            kfree(tx_buf);
        }
    }
}
