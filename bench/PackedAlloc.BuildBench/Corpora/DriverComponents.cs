using System;
using System.Collections.Generic;

namespace PackedAlloc.BuildBench.Corpora
{
    /// <summary>
    /// One class of driver code, how many PA0001 it must produce, and the statements a probe routine uses to drive it.
    /// </summary>
    /// <param name="Probe">Statements for the driver's probe method; <c>dev</c> is in scope.</param>
    internal sealed record DriverComponent(string Text, int ExpectedPa0001, string Probe);

    /// <summary>
    /// The shapes of driver code the driver corpus is made of, each with the number of PA0001 a correct analyzer
    /// reports on it, from PA0001's documented rules (docs/rules/PA0001.md): a packed allocation whose size class
    /// is not a multiple of 128 bytes, mapped for the device to write (FROM_DEVICE or BIDIRECTIONAL) with no bounce
    /// on the way, is one diagnostic per mapped argument and allocation. Every class name is unique within its
    /// file's namespace, so the analyzer's per-field summaries never mix two components.
    /// </summary>
    internal static class DriverComponents
    {
        /// <summary>Requests whose kmalloc size class (8…96, 192) is not a multiple of 128: unsafe when packed.</summary>
        private static readonly int[] UnsafePackedSizes = { 12, 16, 24, 32, 40, 48, 56, 64, 80, 96, 144, 160, 192 };

        /// <summary>Requests whose size class (128, 256, 512, 1024) is line-aligned: safe even when packed.</summary>
        private static readonly int[] LineAlignedSizes = { 100, 128, 200, 256, 512, 1024 };

        private static readonly string[] DeviceWrites = { "DMA_FROM_DEVICE", "DMA_BIDIRECTIONAL" };

        private delegate DriverComponent Factory(int k, Random random);

        private static readonly Factory[] Factories =
        {
            RxRing, TxQueue, Mailbox, SgReader, GuardedPort, BounceCopy, HeaderPool,
            FlagsField, DescriptorCache, SlotPair, MapStrategy, PendingList, RxPaths,
        };

        /// <summary>The <paramref name="k"/>-th component of a file, of a kind the random source picks.</summary>
        public static DriverComponent Create(int k, Random random) => Factories[random.Next(Factories.Length)](k, random);

        private static T Pick<T>(this Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

        /// <summary>A ring of packed small buffers and plain large ones, filled in one method and mapped in another.</summary>
        private static DriverComponent RxRing(int k, Random random)
        {
            int small = random.Pick(UnsafePackedSizes), large = 1536, slots = random.Next(4, 33);
            string dir = random.Pick(DeviceWrites);
            string text = $$"""
                    sealed class RxRing{{k}}
                    {
                        private readonly Device _dev;
                        private readonly KernelPtr[] _small = new KernelPtr[{{slots}}];
                        private readonly KernelPtr[] _large = new KernelPtr[{{slots}}];
                        private readonly DmaAddr[] _handles = new DmaAddr[{{slots}}];

                        public RxRing{{k}}(Device dev) { _dev = dev; }

                        public int Fill()
                        {
                            for (int i = 0; i < _small.Length; i++)
                            {
                                _small[i] = kmalloc({{small}}, GFP_KERNEL | __GFP_PACKED);
                                _large[i] = kmalloc({{large}}, GFP_KERNEL);
                                if (_small[i].IsNull || _large[i].IsNull) return -12;
                            }
                            return 0;
                        }

                        public bool Post(int slot, bool small)
                        {
                            _handles[slot] = small
                                ? dma_map_single(_dev, _small[slot], {{small}}, {{dir}}) // PA0001
                                : dma_map_single(_dev, _large[slot], {{large}}, DMA_FROM_DEVICE);
                            return !dma_mapping_error(_dev, _handles[slot]);
                        }

                        public void Complete(int slot, bool small) =>
                            dma_unmap_single(_dev, _handles[slot], small ? {{small}} : {{large}}, small ? {{dir}} : DMA_FROM_DEVICE);
                    }

                """;
            return new DriverComponent(text, 1, $"var ring{k} = new RxRing{k}(dev); ring{k}.Fill(); ring{k}.Post(0, true); ring{k}.Post(1, false);");
        }

        /// <summary>Packed buffers queued in a list and mapped only for the device to read, through a helper: safe.</summary>
        private static DriverComponent TxQueue(int k, Random random)
        {
            int size = random.Pick(UnsafePackedSizes);
            string text = $$"""
                    sealed class TxQueue{{k}}
                    {
                        private readonly Device _dev;
                        private readonly List<KernelPtr> _queued = new List<KernelPtr>();

                        public TxQueue{{k}}(Device dev) { _dev = dev; }

                        public void Enqueue()
                        {
                            KernelPtr buf = kmalloc({{size}}, GFP_ATOMIC | __GFP_PACKED); // packed, but the device only reads it
                            if (!buf.IsNull) _queued.Add(buf);
                        }

                        private DmaAddr MapFor(KernelPtr buffer, int length, DmaDirection dir) => dma_map_single(_dev, buffer, length, dir);

                        public int Flush()
                        {
                            int sent = 0;
                            foreach (var buffer in _queued)
                            {
                                var addr = MapFor(buffer, {{size}}, DMA_TO_DEVICE);
                                if (!dma_mapping_error(_dev, addr)) sent++;
                            }
                            _queued.Clear();
                            return sent;
                        }
                    }

                """;
            return new DriverComponent(text, 0, $"var tx{k} = new TxQueue{k}(dev); tx{k}.Enqueue(); tx{k}.Flush();");
        }

        /// <summary>A helper that maps its parameter for both directions: given a packed command word (unsafe) and a packed but line-aligned status block (safe).</summary>
        private static DriverComponent Mailbox(int k, Random random)
        {
            int command = random.Pick(UnsafePackedSizes), status = random.Pick(LineAlignedSizes);
            string text = $$"""
                    sealed class Mailbox{{k}}
                    {
                        private readonly Device _dev;
                        private KernelPtr _command;
                        private KernelPtr _status;

                        public Mailbox{{k}}(Device dev) { _dev = dev; }

                        public void Open()
                        {
                            _command = kzalloc({{command}}, GFP_KERNEL | __GFP_PACKED);
                            _status = kzalloc({{status}}, GFP_KERNEL | __GFP_PACKED); // packed, but its size class is line-aligned
                        }

                        private DmaAddr MapBoth(KernelPtr buffer, int length) => dma_map_single(_dev, buffer, length, DMA_BIDIRECTIONAL); // PA0001 for _command

                        public bool Exchange()
                        {
                            var command = MapBoth(_command, {{command}});
                            var status = MapBoth(_status, {{status}});
                            return !dma_mapping_error(_dev, command) && !dma_mapping_error(_dev, status);
                        }
                    }

                """;
            return new DriverComponent(text, 1, $"var mbox{k} = new Mailbox{k}(dev); mbox{k}.Open(); mbox{k}.Exchange();");
        }

        /// <summary>A scatterlist with one packed entry among plain ones, mapped for the device to write.</summary>
        private static DriverComponent SgReader(int k, Random random)
        {
            int packed = random.Pick(UnsafePackedSizes), plain = random.Pick(new[] { 512, 1024, 4096 });
            string dir = random.Pick(DeviceWrites);
            string text = $$"""
                    sealed class SgReader{{k}}
                    {
                        private readonly Device _dev;
                        private readonly ScatterList[] _sgl = { new ScatterList(), new ScatterList(), new ScatterList() };

                        public SgReader{{k}}(Device dev) { _dev = dev; }

                        public int Read()
                        {
                            sg_init_table(_sgl, 3);
                            sg_set_buf(_sgl[0], kmalloc({{plain}}, GFP_KERNEL), {{plain}});
                            sg_set_buf(_sgl[1], kmalloc({{packed}}, GFP_NOIO | __GFP_PACKED), {{packed}});
                            sg_set_buf(_sgl[2], kzalloc({{plain}}, GFP_KERNEL), {{plain}});
                            return dma_map_sg(_dev, _sgl, 3, {{dir}}); // PA0001 on the list
                        }

                        public void Done() => dma_unmap_sg(_dev, _sgl, 3, {{dir}});
                    }

                """;
            return new DriverComponent(text, 1, $"var sg{k} = new SgReader{k}(dev); sg{k}.Read(); sg{k}.Done();");
        }

        /// <summary>A packed buffer mapped for the device to write, but only where no bounce is needed, or through the swiotlb.</summary>
        private static DriverComponent GuardedPort(int k, Random random)
        {
            int size = random.Pick(UnsafePackedSizes);
            string text = $$"""
                    sealed class GuardedPort{{k}}
                    {
                        private readonly Device _dev;
                        private readonly KernelPtr _packet;

                        public GuardedPort{{k}}(Device dev)
                        {
                            _dev = dev;
                            _packet = kmalloc({{size}}, GFP_KERNEL | __GFP_PACKED);
                        }

                        public DmaAddr MapWhenNeeded() =>
                            dma_kmalloc_needs_bounce(_dev, {{size}}, DMA_FROM_DEVICE)
                                ? swiotlb_map(_dev, virt_to_phys(_packet), {{size}}, DMA_FROM_DEVICE, 0)
                                : dma_map_single(_dev, _packet, {{size}}, DMA_FROM_DEVICE);

                        public DmaAddr MapIfCoherent()
                        {
                            if (dev_is_dma_coherent(_dev))
                                return dma_map_single(_dev, _packet, {{size}}, DMA_BIDIRECTIONAL);
                            return swiotlb_map(_dev, virt_to_phys(_packet), {{size}}, DMA_BIDIRECTIONAL, 0);
                        }

                        public DmaAddr MapOnlyCoherent()
                        {
                            if (!dev_is_dma_coherent(_dev)) return DMA_MAPPING_ERROR;
                            return dma_map_single(_dev, _packet, {{size}}, DMA_FROM_DEVICE);
                        }
                    }

                """;
            return new DriverComponent(text, 0, $"var port{k} = new GuardedPort{k}(dev); port{k}.MapWhenNeeded(); port{k}.MapIfCoherent(); port{k}.MapOnlyCoherent();");
        }

        /// <summary>Packed data copied into a plain buffer (kmemdup, memcpy) before the mapping: safe.</summary>
        private static DriverComponent BounceCopy(int k, Random random)
        {
            int size = random.Pick(UnsafePackedSizes);
            string text = $$"""
                    sealed class BounceCopy{{k}}
                    {
                        private readonly Device _dev;

                        public BounceCopy{{k}}(Device dev) { _dev = dev; }

                        public DmaAddr ReceiveDuplicate()
                        {
                            KernelPtr small = kmalloc({{size}}, GFP_KERNEL | __GFP_PACKED);
                            KernelPtr copy = kmemdup(small, {{size}}, GFP_KERNEL);
                            kfree(small);
                            return dma_map_single(_dev, copy, {{size}}, DMA_FROM_DEVICE);
                        }

                        public DmaAddr ReceiveStaged()
                        {
                            KernelPtr small = kzalloc({{size}}, GFP_KERNEL | __GFP_PACKED);
                            KernelPtr staging = kmalloc(512, GFP_KERNEL);
                            memcpy(staging, small, {{size}});
                            return dma_map_single(_dev, staging, {{size}}, DMA_BIDIRECTIONAL);
                        }
                    }

                """;
            return new DriverComponent(text, 0, $"var copy{k} = new BounceCopy{k}(dev); copy{k}.ReceiveDuplicate(); copy{k}.ReceiveStaged();");
        }

        /// <summary>An allocation wrapper whose size each caller decides: an unsafe size class (PA0001) and a line-aligned one.</summary>
        private static DriverComponent HeaderPool(int k, Random random)
        {
            int header = random.Pick(UnsafePackedSizes), page = random.Pick(LineAlignedSizes);
            string text = $$"""
                    sealed class HeaderPool{{k}}
                    {
                        private readonly Device _dev;

                        public HeaderPool{{k}}(Device dev) { _dev = dev; }

                        private static KernelPtr AllocPacked(int size) => kzalloc(size, GFP_KERNEL | __GFP_PACKED);

                        public DmaAddr ReceiveHeader()
                        {
                            KernelPtr header = AllocPacked({{header}});
                            return dma_map_single(_dev, header, {{header}}, DMA_FROM_DEVICE); // PA0001
                        }

                        public DmaAddr ReceivePage()
                        {
                            KernelPtr page = AllocPacked({{page}});
                            return dma_map_single(_dev, page, {{page}}, DMA_FROM_DEVICE); // safe: line-aligned size class
                        }
                    }

                """;
            return new DriverComponent(text, 1, $"var pool{k} = new HeaderPool{k}(dev); pool{k}.ReceiveHeader(); pool{k}.ReceivePage();");
        }

        /// <summary>GFP flags kept in a field that the constructor may make packed; the reply buffer is mapped in another method.</summary>
        private static DriverComponent FlagsField(int k, Random random)
        {
            int size = random.Pick(UnsafePackedSizes);
            string text = $$"""
                    sealed class Controller{{k}}
                    {
                        private readonly Device _dev;
                        private GfpFlags _gfp = GFP_KERNEL;
                        private KernelPtr _reply;

                        public Controller{{k}}(Device dev, bool compact)
                        {
                            _dev = dev;
                            if (compact) _gfp |= __GFP_PACKED;
                        }

                        public void Prepare() => _reply = kmalloc({{size}}, _gfp);

                        public DmaAddr AwaitReply() => dma_map_single(_dev, _reply, {{size}}, DMA_FROM_DEVICE); // PA0001
                    }

                """;
            return new DriverComponent(text, 1, $"var ctrl{k} = new Controller{k}(dev, {(random.Next(2) == 0 ? "true" : "false")}); ctrl{k}.Prepare(); ctrl{k}.AwaitReply();");
        }

        /// <summary>Objects from a kmem_cache with 8-byte alignment (unsafe, PA0001) and from one aligned to the cache line.</summary>
        private static DriverComponent DescriptorCache(int k, Random random)
        {
            int size = random.Pick(new[] { 24, 40, 48, 72 });
            string text = $$"""
                    sealed class DescriptorCache{{k}}
                    {
                        private readonly Device _dev;
                        private KmemCache _tight;
                        private KmemCache _aligned;

                        public DescriptorCache{{k}}(Device dev) { _dev = dev; }

                        public bool Create()
                        {
                            _tight = kmem_cache_create("desc{{k}}", {{size}}, 8, 0);
                            _aligned = kmem_cache_create("desc{{k}}-hw", {{size}}, 0, SLAB_HWCACHE_ALIGN);
                            return _tight != null && _aligned != null;
                        }

                        public DmaAddr MapTight() => dma_map_single(_dev, kmem_cache_alloc(_tight, GFP_KERNEL), {{size}}, DMA_FROM_DEVICE); // PA0001

                        public DmaAddr MapAligned() => dma_map_single(_dev, kmem_cache_alloc(_aligned, GFP_KERNEL), {{size}}, DMA_FROM_DEVICE);
                    }

                """;
            return new DriverComponent(text, 1, $"var cache{k} = new DescriptorCache{k}(dev); cache{k}.Create(); cache{k}.MapTight(); cache{k}.MapAligned();");
        }

        /// <summary>Buffers returned through out parameters and swapped through a tuple; only the packed one mapped BIDIRECTIONAL warns.</summary>
        private static DriverComponent SlotPair(int k, Random random)
        {
            int size = random.Pick(UnsafePackedSizes);
            string text = $$"""
                    sealed class SlotPair{{k}}
                    {
                        private readonly Device _dev;

                        public SlotPair{{k}}(Device dev) { _dev = dev; }

                        private static bool TryAlloc(int size, bool packed, out KernelPtr buffer)
                        {
                            buffer = kmalloc(size, packed ? GFP_KERNEL | __GFP_PACKED : GFP_KERNEL);
                            return !buffer.IsNull;
                        }

                        public int MapPair()
                        {
                            if (!TryAlloc({{size}}, true, out var small)) return -12;
                            if (!TryAlloc({{size}}, false, out var plain)) return -12;
                            (KernelPtr rx, KernelPtr tx) = (plain, small);
                            var a = dma_map_single(_dev, rx, {{size}}, DMA_FROM_DEVICE);     // safe: not packed
                            var b = dma_map_single(_dev, tx, {{size}}, DMA_TO_DEVICE);       // safe: the device only reads
                            var c = dma_map_single(_dev, small, {{size}}, DMA_BIDIRECTIONAL); // PA0001
                            return dma_mapping_error(_dev, a) || dma_mapping_error(_dev, b) || dma_mapping_error(_dev, c) ? -5 : 0;
                        }
                    }

                """;
            return new DriverComponent(text, 1, $"new SlotPair{k}(dev).MapPair();");
        }

        /// <summary>Mapping lambdas: one chosen where the device is coherent (safe), one that always maps directly (PA0001).</summary>
        private static DriverComponent MapStrategy(int k, Random random)
        {
            int size = random.Pick(UnsafePackedSizes);
            string text = $$"""
                    sealed class MapStrategy{{k}}
                    {
                        private readonly Device _dev;

                        public MapStrategy{{k}}(Device dev) { _dev = dev; }

                        public DmaAddr[] MapAll(int count)
                        {
                            Func<KernelPtr, DmaAddr> checkedMap = dev_is_dma_coherent(_dev)
                                ? p => dma_map_single(_dev, p, {{size}}, DMA_FROM_DEVICE)
                                : p => swiotlb_map(_dev, virt_to_phys(p), {{size}}, DMA_FROM_DEVICE, 0);
                            Func<KernelPtr, DmaAddr> directMap = p => dma_map_single(_dev, p, {{size}}, DMA_BIDIRECTIONAL); // PA0001
                            var result = new DmaAddr[count];
                            for (int i = 0; i < count; i++)
                            {
                                KernelPtr buf = kmalloc({{size}}, GFP_KERNEL | __GFP_PACKED);
                                result[i] = i % 2 == 0 ? checkedMap(buf) : directMap(buf);
                            }
                            return result;
                        }
                    }

                """;
            return new DriverComponent(text, 1, $"new MapStrategy{k}(dev).MapAll(4);");
        }

        /// <summary>Packed buffers in a list mapped BIDIRECTIONAL (PA0001); plain ones in a dictionary mapped FROM_DEVICE (safe).</summary>
        private static DriverComponent PendingList(int k, Random random)
        {
            int size = random.Pick(UnsafePackedSizes);
            string text = $$"""
                    sealed class PendingList{{k}}
                    {
                        private readonly Device _dev;
                        private readonly List<KernelPtr> _pending = new List<KernelPtr>();
                        private readonly Dictionary<int, KernelPtr> _byTag = new Dictionary<int, KernelPtr>();

                        public PendingList{{k}}(Device dev) { _dev = dev; }

                        public void Queue(int tag)
                        {
                            _pending.Add(kmalloc({{size}}, GFP_KERNEL | __GFP_PACKED));
                            _byTag[tag] = kmalloc(2048, GFP_KERNEL);
                        }

                        public int Submit()
                        {
                            int mapped = 0;
                            foreach (var buffer in _pending)
                            {
                                if (!dma_mapping_error(_dev, dma_map_single(_dev, buffer, {{size}}, DMA_BIDIRECTIONAL))) mapped++; // PA0001
                            }
                            return mapped;
                        }

                        public DmaAddr Lookup(int tag) =>
                            _byTag.TryGetValue(tag, out var buffer) ? dma_map_single(_dev, buffer, 2048, DMA_FROM_DEVICE) : DMA_MAPPING_ERROR;
                    }

                """;
            return new DriverComponent(text, 1, $"var pending{k} = new PendingList{k}(dev); pending{k}.Queue(1); pending{k}.Submit(); pending{k}.Lookup(1);");
        }

        /// <summary>An interface with a direct and a bouncing implementation, called on a packed buffer: the direct one warns.</summary>
        private static DriverComponent RxPaths(int k, Random random)
        {
            int size = random.Pick(UnsafePackedSizes);
            string text = $$"""
                    interface IRxPath{{k}}
                    {
                        DmaAddr Map(Device dev, KernelPtr buffer, int length);
                    }

                    sealed class DirectPath{{k}} : IRxPath{{k}}
                    {
                        public DmaAddr Map(Device dev, KernelPtr buffer, int length) => dma_map_single(dev, buffer, length, DMA_FROM_DEVICE); // PA0001
                    }

                    sealed class BouncePath{{k}} : IRxPath{{k}}
                    {
                        public DmaAddr Map(Device dev, KernelPtr buffer, int length) => swiotlb_map(dev, virt_to_phys(buffer), length, DMA_FROM_DEVICE, 0);
                    }

                    sealed class PathUser{{k}}
                    {
                        private readonly IRxPath{{k}}[] _paths = { new DirectPath{{k}}(), new BouncePath{{k}}() };

                        public void Receive(Device dev)
                        {
                            KernelPtr buffer = kmalloc({{size}}, GFP_KERNEL | __GFP_PACKED);
                            foreach (var path in _paths)
                            {
                                path.Map(dev, buffer, {{size}});
                            }
                        }
                    }

                """;
            return new DriverComponent(text, 1, $"new PathUser{k}().Receive(dev);");
        }
    }
}
