namespace PackedAlloc.BuildBench.Corpora
{
    /// <summary>
    /// The one file of the library corpus that uses the Kernel API: a packed header mapped for the device to write
    /// (the one PA0001), next to a frame that is not packed and the same header mapped only for the device to read
    /// (both safe). It calls into the library, as such code would, so the analysis can wander into the rest.
    /// </summary>
    internal static class LibraryDmaFile
    {
        public const string Path = "Dma/PacketBuffers.cs";

        public const int ExpectedPa0001 = 1;

        public static string Text() => """
            using PackedAlloc.Runtime;
            using static PackedAlloc.Runtime.Kernel;

            namespace Lib.Dma
            {
                /// <summary>Receive buffers of a small network device: the only code of this library that does DMA.</summary>
                public sealed class PacketBuffers
                {
                    private const int HeaderLength = 24;
                    private const int FrameLength = 1536;
                    private readonly Device _dev;
                    private KernelPtr _header;
                    private KernelPtr _frame;

                    public PacketBuffers(Device dev) { _dev = dev; }

                    public bool Allocate()
                    {
                        _header = kmalloc(HeaderLength, GFP_KERNEL | __GFP_PACKED); // small, so packed: shares cache lines
                        _frame = kmalloc(FrameLength, GFP_KERNEL);
                        return !_header.IsNull && !_frame.IsNull;
                    }

                    // The device writes into a packed buffer.
                    public DmaAddr MapHeaderForReceive() => dma_map_single(_dev, _header, HeaderLength, DMA_FROM_DEVICE); // PA0001

                    // Safe: the frame is not packed.
                    public DmaAddr MapFrameForReceive() => dma_map_single(_dev, _frame, FrameLength, DMA_FROM_DEVICE);

                    // Safe: the device only reads the header.
                    public DmaAddr MapHeaderForSend() => dma_map_single(_dev, _header, HeaderLength, DMA_TO_DEVICE);

                    public string Describe(Lib.Common.IComponent owner) =>
                        Lib.Common.Text.Describe(owner.Name + " packet buffers", HeaderLength + FrameLength + owner.Score(HeaderLength));

                    public void Release()
                    {
                        kfree(_header);
                        kfree(_frame);
                    }
                }
            }

            """;
    }
}
