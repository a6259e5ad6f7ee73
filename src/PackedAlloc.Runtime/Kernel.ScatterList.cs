using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using PackedAlloc.Runtime.Memory;

namespace PackedAlloc.Runtime
{
    public static partial class Kernel
    {
        /// <summary>Clears <paramref name="nents"/> entries and marks the last as the end.</summary>
        public static void sg_init_table(ScatterList[] sgl, int nents)
        {
            CheckSgl(sgl, nents);
            for (int i = 0; i < nents; i++) sgl[i].Reset();
            if (nents > 0) sgl[nents - 1].IsEnd = true;
        }

        /// <summary>Initialises a one-entry table pointing at <paramref name="buf"/>.</summary>
        public static void sg_init_one(ScatterList sg, KernelPtr buf, int len)
        {
            ArgumentNullException.ThrowIfNull(sg);
            NonNegative(len, nameof(len));
            sg.Reset();
            sg.IsEnd = true;
            sg_set_buf(sg, buf, len);
        }

        /// <summary>Points an entry at <paramref name="buf"/>.</summary>
        public static void sg_set_buf(ScatterList sg, KernelPtr buf, int len)
        {
            ArgumentNullException.ThrowIfNull(sg);
            NonNegative(len, nameof(len));
            sg.Buffer = buf;
            sg.Length = len;
        }

        /// <summary>Marks <paramref name="sg"/> as the last entry.</summary>
        public static void sg_mark_end(ScatterList sg)
        {
            ArgumentNullException.ThrowIfNull(sg);
            sg.IsEnd = true;
        }

        /// <summary>The bus address of a mapped entry.</summary>
        public static DmaAddr sg_dma_address(ScatterList sg)
        {
            ArgumentNullException.ThrowIfNull(sg);
            return sg.DmaAddress;
        }

        /// <summary>The mapped length of an entry.</summary>
        public static int sg_dma_len(ScatterList sg)
        {
            ArgumentNullException.ThrowIfNull(sg);
            return sg.DmaLength;
        }

        /// <summary>The CPU address of an entry.</summary>
        public static KernelPtr sg_virt(ScatterList sg)
        {
            ArgumentNullException.ThrowIfNull(sg);
            return sg.Buffer;
        }

        /// <summary>Maps the first <paramref name="nents"/> entries; returns the number mapped, 0 on failure (nothing stays mapped).</summary>
        [OverloadResolutionPriority(1)]
        public static int dma_map_sg(Device dev, ScatterList[] sgl, int nents, DmaDirection dir, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0, [CallerMemberName] string member = "")
            => dma_map_sg_attrs(dev, sgl, nents, dir, DmaAttrs.None, file, line, member);

        /// <summary>Maps a scatterlist with attributes.</summary>
        [OverloadResolutionPriority(1)]
        public static int dma_map_sg_attrs(Device dev, ScatterList[] sgl, int nents, DmaDirection dir, DmaAttrs attrs, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0, [CallerMemberName] string member = "")
        {
            ArgumentNullException.ThrowIfNull(dev);
            CheckSgl(sgl, nents);
            return dev.Machine.Dma.MapSg(dev, sgl, nents, dir, attrs, CallerLocation.Capture(dev.Machine, file, line, member));
        }

        // Without the caller's location, for delegates (see kmalloc's).
        [EditorBrowsable(EditorBrowsableState.Never)] public static int dma_map_sg(Device dev, ScatterList[] sgl, int nents, DmaDirection dir) => dma_map_sg(dev, sgl, nents, dir, "", 0, "");
        [EditorBrowsable(EditorBrowsableState.Never)] public static int dma_map_sg_attrs(Device dev, ScatterList[] sgl, int nents, DmaDirection dir, DmaAttrs attrs) => dma_map_sg_attrs(dev, sgl, nents, dir, attrs, "", 0, "");

        /// <summary>Unmaps a scatterlist; pass the <paramref name="nents"/> given to dma_map_sg, not its result.</summary>
        public static void dma_unmap_sg(Device dev, ScatterList[] sgl, int nents, DmaDirection dir)
            => dma_unmap_sg_attrs(dev, sgl, nents, dir, DmaAttrs.None);

        /// <summary>Unmaps a scatterlist with attributes.</summary>
        public static void dma_unmap_sg_attrs(Device dev, ScatterList[] sgl, int nents, DmaDirection dir, DmaAttrs attrs)
        {
            ArgumentNullException.ThrowIfNull(dev);
            CheckSgl(sgl, nents);
            dev.Machine.Dma.UnmapSg(dev, sgl, nents, dir, attrs);
        }

        /// <summary>Syncs every mapped entry for the CPU.</summary>
        public static void dma_sync_sg_for_cpu(Device dev, ScatterList[] sgl, int nents, DmaDirection dir)
        {
            ArgumentNullException.ThrowIfNull(dev);
            CheckSgl(sgl, nents);
            dev.Machine.Dma.SyncSg(dev, sgl, nents, dir, forDevice: false);
        }

        /// <summary>Syncs every mapped entry for the device.</summary>
        public static void dma_sync_sg_for_device(Device dev, ScatterList[] sgl, int nents, DmaDirection dir)
        {
            ArgumentNullException.ThrowIfNull(dev);
            CheckSgl(sgl, nents);
            dev.Machine.Dma.SyncSg(dev, sgl, nents, dir, forDevice: true);
        }

        private static void CheckSgl(ScatterList[] sgl, int nents)
        {
            ArgumentNullException.ThrowIfNull(sgl);
            if (nents < 0 || nents > sgl.Length)
                throw new ArgumentOutOfRangeException(nameof(nents), nents, $"nents must be between 0 and the table length {sgl.Length}.");
            for (int i = 0; i < nents; i++)
                if (sgl[i] is null) throw new ArgumentNullException(nameof(sgl), $"scatterlist entry {i} is null.");
        }
    }
}
