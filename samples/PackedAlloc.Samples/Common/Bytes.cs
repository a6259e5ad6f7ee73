using System;
using System.Text;
using PackedAlloc.Runtime;

namespace PackedAlloc.Samples
{
    /// <summary>Small helpers the drivers use to fill and read buffers (CPU accesses through the cache).</summary>
    public static class Bytes
    {
        /// <summary><paramref name="text"/> as ASCII, zero-padded or cut to <paramref name="len"/> bytes.</summary>
        public static byte[] Ascii(string text, int len)
        {
            var b = new byte[len];
            Encoding.ASCII.GetBytes(text, 0, Math.Min(text.Length, len), b, 0);
            return b;
        }

        /// <summary>Writes <paramref name="data"/> at <paramref name="p"/> (a CPU store) and returns it, so the caller remembers what it wrote.</summary>
        public static byte[] Store(KernelPtr p, byte[] data)
        {
            p.Write(data);
            return data;
        }

        /// <summary>Reads <paramref name="len"/> bytes at <paramref name="p"/> (a CPU load).</summary>
        public static byte[] Load(KernelPtr p, int len) => p.ToArray(len);
    }
}
