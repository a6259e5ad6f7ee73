using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using System.Runtime.CompilerServices;
using PackedAlloc.Analyzers.Flow;

namespace PackedAlloc.Analyzers.Model
{
    /// <summary>What a call to one of the runtime's <c>Kernel</c> functions means to the flow analysis.</summary>
    internal enum KernelFunction
    {
        None,
        /// <summary>kmalloc, kzalloc: (size, flags).</summary>
        Kmalloc,
        /// <summary>kcalloc, kmalloc_array: (n, size, flags).</summary>
        KmallocArray,
        /// <summary>krealloc: (p, size, flags); may return p itself.</summary>
        Krealloc,
        /// <summary>kmemdup: (src, len, flags); a copy, so the source's allocation does not flow on.</summary>
        Kmemdup,
        KmemCacheCreate,
        KmemCacheAlloc,
        /// <summary>dma_map_single and the other dma_map_* that take a buffer.</summary>
        MapSingle,
        /// <summary>dma_map_sg.</summary>
        MapScatterList,
        /// <summary>sg_init_one, sg_set_buf: (sg, buf, len) store the buffer in the entry.</summary>
        ScatterListSetBuffer,
        /// <summary>sg_virt: the buffer a scatterlist entry was set to.</summary>
        ScatterListGetBuffer,
        /// <summary>swiotlb_map and other functions that always bounce.</summary>
        Bounce,
        /// <summary>virt_to_phys, phys_to_virt: the same memory under another name.</summary>
        AddressTranslation,
        /// <summary>memcpy, memset: return their destination.</summary>
        ReturnsFirstArgument,
        /// <summary>dev_is_dma_coherent: true means no bounce is needed.</summary>
        CoherentCheck,
        /// <summary>dma_kmalloc_needs_bounce: false means no bounce is needed.</summary>
        NeedsBounceCheck,
        /// <summary>dma_mapping_error: checks a mapping handle.</summary>
        MappingErrorCheck,
    }

    /// <summary>
    /// The runtime's symbols, resolved once per compilation. Everything the analysis recognises is keyed on
    /// these symbols, never on names in source text, so a user method that happens to be called kmalloc is not a source.
    /// </summary>
    internal sealed class KernelSymbols
    {
        private readonly Dictionary<string, KernelFunction> _functionsByName;
        private readonly Dictionary<long, string> _directionNames = new Dictionary<long, string>();

        private KernelSymbols(INamedTypeSymbol kernel, INamedTypeSymbol? scatterList, INamedTypeSymbol? kernelPtr, IFieldSymbol? gfpPacked)
        {
            Kernel = kernel;
            ScatterList = scatterList;
            KernelPtr = kernelPtr;
            GfpPackedField = gfpPacked;
            GfpPacked = gfpPacked != null && gfpPacked.HasConstantValue ? ToUInt64(gfpPacked.ConstantValue) : 0;
            SlabHwcacheAlign = ReadConstant(kernel, "SLAB_HWCACHE_ALIGN", 0x2000);
            DmaToDevice = (long)ReadConstant(kernel, "DMA_TO_DEVICE", 1);
            DmaNone = (long)ReadConstant(kernel, "DMA_NONE", 3);
            ArchDmaMinAlign = (int)ReadConstant(kernel, "ARCH_DMA_MINALIGN", 128);
            _functionsByName = new Dictionary<string, KernelFunction>
            {
                ["kmalloc"] = KernelFunction.Kmalloc,
                ["kzalloc"] = KernelFunction.Kmalloc,
                ["kcalloc"] = KernelFunction.KmallocArray,
                ["kmalloc_array"] = KernelFunction.KmallocArray,
                ["krealloc"] = KernelFunction.Krealloc,
                ["kmemdup"] = KernelFunction.Kmemdup,
                ["kmem_cache_create"] = KernelFunction.KmemCacheCreate,
                ["kmem_cache_alloc"] = KernelFunction.KmemCacheAlloc,
                ["dma_map_sg"] = KernelFunction.MapScatterList,
                ["dma_map_sg_attrs"] = KernelFunction.MapScatterList,
                ["sg_init_one"] = KernelFunction.ScatterListSetBuffer,
                ["sg_set_buf"] = KernelFunction.ScatterListSetBuffer,
                ["sg_virt"] = KernelFunction.ScatterListGetBuffer,
                ["swiotlb_map"] = KernelFunction.Bounce,
                ["virt_to_phys"] = KernelFunction.AddressTranslation,
                ["phys_to_virt"] = KernelFunction.AddressTranslation,
                ["memcpy"] = KernelFunction.ReturnsFirstArgument,
                ["memset"] = KernelFunction.ReturnsFirstArgument,
                ["dev_is_dma_coherent"] = KernelFunction.CoherentCheck,
                ["dma_kmalloc_needs_bounce"] = KernelFunction.NeedsBounceCheck,
                ["dma_mapping_error"] = KernelFunction.MappingErrorCheck,
            };
            foreach (var member in kernel.GetMembers("DMA_MAPPING_ERROR"))
            {
                MappingErrorField = member as IFieldSymbol;
            }

            DmaBidirectional = (long)ReadConstant(kernel, "DMA_BIDIRECTIONAL", 0);
            GfpDirectReclaim = ReadConstant(kernel, "__GFP_DIRECT_RECLAIM", 0);
            foreach (var name in new[] { "DMA_BIDIRECTIONAL", "DMA_TO_DEVICE", "DMA_FROM_DEVICE", "DMA_NONE" })
            {
                _directionNames[(long)ReadConstant(kernel, name, ulong.MaxValue)] = name;
            }
        }

        public INamedTypeSymbol Kernel { get; }
        public INamedTypeSymbol? ScatterList { get; }
        public INamedTypeSymbol? KernelPtr { get; }
        public IFieldSymbol? GfpPackedField { get; }

        /// <summary>DMA_MAPPING_ERROR: comparing a mapping with it checks the mapping.</summary>
        public IFieldSymbol? MappingErrorField { get; }
        public ulong GfpPacked { get; }
        public ulong SlabHwcacheAlign { get; }
        public long DmaToDevice { get; }
        public long DmaNone { get; }
        public long DmaBidirectional { get; }

        /// <summary>__GFP_DIRECT_RECLAIM: an allocation with it may sleep.</summary>
        public ulong GfpDirectReclaim { get; }

        /// <summary>DMA_TO_DEVICE … for a direction's value, for messages.</summary>
        public string DirectionName(long direction) =>
            _directionNames.TryGetValue(direction, out var name) ? name : direction.ToString(System.Globalization.CultureInfo.InvariantCulture);
        public int ArchDmaMinAlign { get; }

        /// <summary>Null when the compilation does not reference PackedAlloc.Runtime: then there is nothing to analyse.</summary>
        public static KernelSymbols? TryCreate(Compilation compilation)
        {
            var runtime = RuntimeAssembly(compilation);
            var kernel = runtime?.GetTypeByMetadataName("PackedAlloc.Runtime.Kernel");
            if (runtime == null || kernel == null)
            {
                return null;
            }

            IFieldSymbol? packed = null;
            foreach (var member in kernel.GetMembers("__GFP_PACKED"))
            {
                packed = member as IFieldSymbol;
            }

            return new KernelSymbols(
                kernel,
                runtime.GetTypeByMetadataName("PackedAlloc.Runtime.ScatterList"),
                runtime.GetTypeByMetadataName("PackedAlloc.Runtime.KernelPtr"),
                packed)
            {
                Machine = runtime.GetTypeByMetadataName("PackedAlloc.Runtime.Machine"),
            };
        }

        /// <summary>The emulated machine, whose <c>CreateDevice(name, coherent)</c> plugs in a device.</summary>
        public INamedTypeSymbol? Machine { get; private set; }

        /// <summary>Whether a call creates a device (<c>Machine.CreateDevice</c>): its <c>coherent</c> argument says whether a mapping for it needs a bounce.</summary>
        [MethodImpl(HotPath.Optimized)]
        public bool IsCreateDevice(IMethodSymbol method) =>
            method.Name == "CreateDevice" && Machine != null && SymbolEqualityComparer.Default.Equals(method.ContainingType, Machine);

        /// <summary>
        /// The assembly that defines the runtime: the compilation's own when it does, else the referenced one named
        /// PackedAlloc.Runtime. Looked up by name rather than with <c>Compilation.GetTypeByMetadataName</c>, whose
        /// first call indexes every referenced assembly's types (about 0.1 s on a net10.0 project, at every
        /// compilation, which an IDE makes at every edit), even in a project that does not reference the runtime.
        /// </summary>
        private static IAssemblySymbol? RuntimeAssembly(Compilation compilation)
        {
            if (compilation.Assembly.GetTypeByMetadataName("PackedAlloc.Runtime.Kernel") != null)
            {
                return compilation.Assembly;
            }

            foreach (var reference in compilation.References)
            {
                if (compilation.GetAssemblyOrModuleSymbol(reference) is IAssemblySymbol { Name: "PackedAlloc.Runtime" } assembly)
                {
                    return assembly;
                }
            }

            return null;
        }

        [MethodImpl(HotPath.Optimized)]
        public KernelFunction Classify(IMethodSymbol method)
        {
            if (!SymbolEqualityComparer.Default.Equals(method.ContainingType, Kernel))
            {
                return KernelFunction.None;
            }

            if (_functionsByName.TryGetValue(method.Name, out var function))
            {
                return function;
            }

            // Every other dma_map_* the runtime has (dma_map_single, dma_map_single_attrs, dma_map_page …) maps a buffer.
            return method.Name.StartsWith("dma_map_", System.StringComparison.Ordinal) ? KernelFunction.MapSingle : KernelFunction.None;
        }

        [MethodImpl(HotPath.Optimized)]
        public bool IsKernelMember(ISymbol symbol) => SymbolEqualityComparer.Default.Equals(symbol.ContainingType, Kernel);

        [MethodImpl(HotPath.Optimized)]
        public bool IsGfpPackedField(ISymbol symbol) => GfpPackedField != null && SymbolEqualityComparer.Default.Equals(symbol, GfpPackedField);

        private static ulong ReadConstant(INamedTypeSymbol kernel, string name, ulong fallback)
        {
            foreach (var member in kernel.GetMembers(name))
            {
                if (member is IFieldSymbol { HasConstantValue: true } field)
                {
                    return ToUInt64(field.ConstantValue);
                }
            }

            return fallback;
        }

        [MethodImpl(HotPath.Optimized)]
        public static ulong ToUInt64(object? value)
        {
            switch (value)
            {
                case null: return 0;
                case ulong u: return u;
                case long l: return unchecked((ulong)l);
                case uint ui: return ui;
                case int i: return unchecked((ulong)i);
                case ushort us: return us;
                case short s: return unchecked((ulong)s);
                case byte b: return b;
                case sbyte sb: return unchecked((ulong)sb);
                default: return 0;
            }
        }
    }
}
