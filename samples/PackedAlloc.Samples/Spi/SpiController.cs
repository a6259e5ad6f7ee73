using System;
using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;

namespace PackedAlloc.Samples.Spi
{
    /// <summary>
    /// The emulated SPI flash controller (the hardware side). A read message is a two-entry scatterlist: an 8-byte
    /// header the controller reads (opcode 0x03 and a 24-bit address) and overwrites with its status (0x80 = done,
    /// ECC count, CRC-32 of the page), then the page buffer it fills with flash data.
    /// </summary>
    public sealed class SpiController
    {
        private readonly Device _dev;
        private ScatterList[]? _sgl;
        private int _nents;

        public SpiController(Device dev) => _dev = dev;

        /// <summary>The last header status and page the controller wrote (the hardware's own record, for checking).</summary>
        public byte[] StatusWritten { get; private set; } = Array.Empty<byte>();
        public byte[] PageWritten { get; private set; } = Array.Empty<byte>();

        public void Start(ScatterList[] sgl, int nents)
        {
            _sgl = sgl;
            _nents = nents;
        }

        public void WaitForIrq()
        {
            if (_sgl is null || _nents < 2) throw new InvalidOperationException("spi: no message queued");
            var hdr = new byte[sg_dma_len(_sgl[0])];
            _dev.DmaRead(sg_dma_address(_sgl[0]), hdr);
            int addr = hdr[1] << 16 | hdr[2] << 8 | hdr[3];

            var page = new byte[sg_dma_len(_sgl[1])];
            for (int i = 0; i < page.Length; i++) page[i] = (byte)(addr + i * 7);
            uint crc = Crc32.Compute(page);
            var status = new byte[hdr.Length];
            status[0] = 0x80;                   // done
            status[1] = 0x00;                   // no ECC corrections
            BitConverter.TryWriteBytes(status.AsSpan(2), crc);
            status[6] = 0x5A;                   // status magic
            status[7] = hdr[0];                 // echo of the opcode
            _dev.DmaWrite(sg_dma_address(_sgl[1]), page);
            _dev.DmaWrite(sg_dma_address(_sgl[0]), status);
            StatusWritten = status;
            PageWritten = page;
            _sgl = null;
        }
    }

    /// <summary>Sizes of the SPI flash driver's objects.</summary>
    public static class SpiFlashConstants
    {
        public const int SPI_HDR_LEN = 8;      // command out, status back
        public const int SPI_STATE_LEN = 8;    // struct spi_msg_state: state word, retries
        public const int SPI_STATS_LEN = 8;    // struct spi_xfer_stats: bytes moved
        public const int SPI_PAGE_LEN = 512;
        public const byte SPINOR_OP_READ = 0x03;
    }

    /// <summary>What a page read left behind.</summary>
    public sealed record SpiReadResult(byte[] HeaderReadBack, byte[] PageReadBack,
        byte[] StateWritten, byte[] StateReadBack, byte[] StatsWritten, byte[] StatsReadBack);

    /// <summary>A small CRC-32 (IEEE), so the sample needs no package.</summary>
    internal static class Crc32
    {
        public static uint Compute(ReadOnlySpan<byte> data)
        {
            uint crc = 0xFFFFFFFF;
            foreach (byte b in data)
            {
                crc ^= b;
                for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
            }
            return ~crc;
        }
    }
}
