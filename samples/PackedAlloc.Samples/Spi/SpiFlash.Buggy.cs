using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;
using static PackedAlloc.Samples.Spi.SpiFlashConstants;

namespace PackedAlloc.Samples.Spi
{
    /// <summary>
    /// BUGGY. The 8-byte command header of each read message is packed. It goes into the scatterlist next to the
    /// page buffer, the list is mapped DMA_BIDIRECTIONAL (the controller sends the header, then writes its status
    /// over it), and the header shares a cache line with the message state and transfer statistics the CPU updates
    /// while the controller runs. The page buffer is a plain kmalloc and is safe.
    /// </summary>
    public sealed class SpiFlashBuggy
    {
        private readonly Device dev;
        private readonly SpiController hw;
        private readonly ScatterList[] sgl = { new ScatterList(), new ScatterList() };
        private KernelPtr state, hdr, stats, page;

        public SpiFlashBuggy(Device dev, SpiController hw)
        {
            this.dev = dev;
            this.hw = hw;
        }

        public int spi_flash_probe()
        {
            state = kzalloc(SPI_STATE_LEN, GFP_KERNEL | __GFP_PACKED);  // fine: CPU only
            hdr = kmalloc(SPI_HDR_LEN, GFP_KERNEL | __GFP_PACKED);      // the bug: goes into the scatterlist
            stats = kzalloc(SPI_STATS_LEN, GFP_KERNEL | __GFP_PACKED);  // fine: CPU only
            page = kmalloc(SPI_PAGE_LEN, GFP_KERNEL);
            return state.IsNull || hdr.IsNull || stats.IsNull || page.IsNull ? -12 : 0;
        }

        public SpiReadResult spi_flash_read_page(int addr)
        {
            Bytes.Store(hdr, new byte[] { SPINOR_OP_READ, (byte)(addr >> 16), (byte)(addr >> 8), (byte)addr, 0, 0, 0, 0 });
            sg_init_table(sgl, 2);
            sg_set_buf(sgl[0], hdr, SPI_HDR_LEN);
            sg_set_buf(sgl[1], page, SPI_PAGE_LEN);
            int nents = dma_map_sg(dev, sgl, 2, DMA_BIDIRECTIONAL);   // <- PA0001
            if (nents == 0) throw new System.InvalidOperationException("spi: dma_map_sg failed");
            hw.Start(sgl, nents);

            // While the controller runs, the CPU marks the message busy and accounts the bytes.
            byte[] stateWritten = Bytes.Store(state, Bytes.Ascii("BUSY r0", SPI_STATE_LEN));
            byte[] statsWritten = Bytes.Store(stats, Bytes.Ascii($"+{SPI_PAGE_LEN}B", SPI_STATS_LEN));

            hw.WaitForIrq();
            dma_unmap_sg(dev, sgl, 2, DMA_BIDIRECTIONAL);
            return new SpiReadResult(Bytes.Load(hdr, SPI_HDR_LEN), Bytes.Load(page, SPI_PAGE_LEN),
                stateWritten, Bytes.Load(state, SPI_STATE_LEN), statsWritten, Bytes.Load(stats, SPI_STATS_LEN));
        }

        public void spi_flash_remove()
        {
            kfree(state);
            kfree(hdr);
            kfree(stats);
            kfree(page);
        }
    }
}
