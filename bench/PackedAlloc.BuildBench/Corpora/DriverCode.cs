using System;
using System.Linq;
using System.Text;

namespace PackedAlloc.BuildBench.Corpora
{
    /// <summary>
    /// Driver-dense C#: each file is a namespace of a few driver components (rings, mailboxes, scatterlists,
    /// caches, guarded and bounced mappings, both safe and unsafe) and a driver class whose probe routine drives
    /// them, as a kernel driver's probe does. The file's PA0001 count is the sum of its components'. The driver
    /// class also loads firmware through streams and unmaps through a disposable scope, so that CA2000, the
    /// yardstick, has the disposables to track that real driver code gives it.
    /// </summary>
    internal static class DriverCode
    {
        public static string FilePath(int index) => $"Drivers/D{index:D4}.cs";

        /// <returns>The file's text and the number of PA0001 it must produce.</returns>
        public static (string Text, int ExpectedPa0001) File(int index, Random random)
        {
            var components = Enumerable.Range(0, random.Next(3, 7)).Select(k => DriverComponents.Create(k, random)).ToList();
            var text = new StringBuilder();
            text.Append($$"""
                using System;
                using System.Collections.Generic;
                using System.IO;
                using System.Text;
                using PackedAlloc.Runtime;
                using static PackedAlloc.Runtime.Kernel;

                namespace Drivers.D{{index:D4}}
                {

                """);
            foreach (var component in components)
            {
                text.Append(component.Text).Append('\n');
            }

            string probe = string.Concat(components.Select(c => $"            {c.Probe}\n"));
            text.Append($$"""
                    /// <summary>Unmaps when disposed, so that a mapping cannot outlive its scope.</summary>
                    sealed class MappingScope{{index}} : IDisposable
                    {
                        private readonly Device _dev;
                        private readonly DmaAddr _addr;
                        private readonly int _length;
                        private readonly DmaDirection _dir;

                        public MappingScope{{index}}(Device dev, DmaAddr addr, int length, DmaDirection dir)
                        {
                            _dev = dev;
                            _addr = addr;
                            _length = length;
                            _dir = dir;
                        }

                        public void Dispose() => dma_unmap_single(_dev, _addr, _length, _dir);
                    }

                    public sealed class Driver{{index}}
                    {
                        private readonly Dictionary<string, int> _counters = new Dictionary<string, int>();

                        public string Name => "d{{index:D4}}";

                        public int Probe(Device dev)
                        {
                            if (dev == null) throw new ArgumentNullException(nameof(dev));
                            Count("probe");
                {{probe}}            return 0;
                        }

                        public int LoadFirmware(Device dev, byte[] image)
                        {
                            using var stream = new MemoryStream(image);
                            using var reader = new BinaryReader(stream);
                            KernelPtr firmware = kmalloc(image.Length, GFP_KERNEL);
                            var addr = dma_map_single(dev, firmware, image.Length, DMA_TO_DEVICE);
                            using (new MappingScope{{index}}(dev, addr, image.Length, DMA_TO_DEVICE))
                            {
                                int words = 0;
                                while (stream.Position + 4 <= stream.Length)
                                {
                                    words += reader.ReadInt32() == {{random.Next(1000)}} ? 2 : 1;
                                }
                                return words;
                            }
                        }

                        public string Dump()
                        {
                            var log = new StringWriter();
                            log.Write(Describe());
                            return log.ToString(); // the writer is never disposed: CA2000
                        }

                        private void Count(string what) => _counters[what] = _counters.TryGetValue(what, out var n) ? n + 1 : 1;

                        public string Describe()
                        {
                            var text = new StringBuilder(Name);
                            foreach (var pair in _counters)
                            {
                                text.Append(' ').Append(pair.Key).Append('=').Append(pair.Value);
                            }
                            return text.ToString();
                        }
                    }
                }

                """);
            return (text.ToString(), components.Sum(c => c.ExpectedPa0001));
        }
    }
}
