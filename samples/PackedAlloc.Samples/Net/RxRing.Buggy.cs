using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;
using static PackedAlloc.Samples.Net.RxRingConstants;

namespace PackedAlloc.Samples.Net
{
    /// <summary>
    /// BUGGY. The ring alternates short and long receive buffers; short buffers are allocated with __GFP_PACKED to
    /// save memory. Every buffer is mapped DMA_FROM_DEVICE, and a short buffer shares its cache line with the
    /// packed per-slot bookkeeping (struct rx_slot_info) the CPU writes right after posting the ring, while frames
    /// arrive. Long buffers (1536 bytes, a line-aligned size class) and the bookkeeping itself are fine.
    /// </summary>
    public sealed class RxRingBuggy
    {
        private readonly Device dev;
        private readonly RxNic hw;
        private readonly KernelPtr[] rx_buf = new KernelPtr[RX_RING_SIZE];
        private readonly int[] rx_len = new int[RX_RING_SIZE];
        private readonly DmaAddr[] rx_dma = new DmaAddr[RX_RING_SIZE];
        private readonly KernelPtr[] rx_info = new KernelPtr[RX_RING_SIZE];

        public RxRingBuggy(Device dev, RxNic hw)
        {
            this.dev = dev;
            this.hw = hw;
        }

        /// <summary>Allocates, maps and posts a buffer for every slot.</summary>
        public int rx_refill()
        {
            for (int i = 0; i < RX_RING_SIZE; i++)
            {
                int len = i % 2 == 0 ? RX_SHORT_LEN : RX_LONG_LEN;
                GfpFlags gfp = GFP_ATOMIC;
                if (len <= RX_SHORT_LEN)
                    gfp |= __GFP_PACKED;                                       // the bug: short rx buffers packed
                rx_buf[i] = kmalloc(len, gfp);
                rx_info[i] = kzalloc(RX_META_LEN, GFP_ATOMIC | __GFP_PACKED);  // fine: never reaches DMA
                if (rx_buf[i].IsNull || rx_info[i].IsNull) return -12;
                rx_len[i] = len;
                rx_dma[i] = dma_map_single(dev, rx_buf[i], len, DMA_FROM_DEVICE);   // <- PA0001
                if (dma_mapping_error(dev, rx_dma[i])) return -5; // -EIO
                hw.PostRxDescriptor(i, rx_dma[i], len);
            }
            return 0;
        }

        /// <summary>The CPU stamps every slot's bookkeeping (posted at, owner) once the ring is live.</summary>
        public byte[][] rx_mark_posted(long jiffies)
        {
            var written = new byte[RX_RING_SIZE][];
            for (int i = 0; i < RX_RING_SIZE; i++)
                written[i] = Bytes.Store(rx_info[i], Bytes.Ascii($"slot{i} owner=NIC posted@{jiffies}", RX_META_LEN));
            return written;
        }

        /// <summary>NAPI poll: unmaps every slot and reads the frame the NIC put there.</summary>
        public RxPollResult rx_poll()
        {
            var frameLen = new int[RX_RING_SIZE];
            var frames = new byte[RX_RING_SIZE][];
            var meta = new byte[RX_RING_SIZE][];
            for (int i = 0; i < RX_RING_SIZE; i++)
            {
                dma_unmap_single(dev, rx_dma[i], rx_len[i], DMA_FROM_DEVICE);
                frameLen[i] = hw.RxDescriptorLength(i);
                frames[i] = Bytes.Load(rx_buf[i], frameLen[i]);
            }
            for (int i = 0; i < RX_RING_SIZE; i++) meta[i] = Bytes.Load(rx_info[i], RX_META_LEN);
            return new RxPollResult(frameLen, frames, meta);
        }

        public void rx_free()
        {
            for (int i = 0; i < RX_RING_SIZE; i++)
            {
                kfree(rx_buf[i]);
                kfree(rx_info[i]);
            }
        }
    }
}
