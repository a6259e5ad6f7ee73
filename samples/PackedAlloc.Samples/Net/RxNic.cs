using System;
using System.Collections.Generic;
using PackedAlloc.Runtime;

namespace PackedAlloc.Samples.Net
{
    /// <summary>
    /// The emulated network controller (the hardware side). Its receive ring has RX_RING_SIZE descriptors, each
    /// pointing at a buffer the driver posted; incoming frames go to the next descriptor whose buffer is big enough
    /// (short frames to short buffers, full-size frames to long ones), as NICs with short and long buffer pools do.
    /// </summary>
    public sealed class RxNic
    {
        private readonly Device _dev;
        private readonly DmaAddr[] _ring = new DmaAddr[RxRingConstants.RX_RING_SIZE];
        private readonly int[] _len = new int[RxRingConstants.RX_RING_SIZE];

        public RxNic(Device dev) => _dev = dev;

        /// <summary>What the NIC wrote into each slot (the hardware's own record, for checking).</summary>
        public byte[][] FramesWritten { get; } = new byte[RxRingConstants.RX_RING_SIZE][];

        /// <summary>The driver writes descriptor <paramref name="slot"/>.</summary>
        public void PostRxDescriptor(int slot, DmaAddr buf, int len)
        {
            _ring[slot] = buf;
            _len[slot] = len;
        }

        /// <summary>The length the NIC wrote back into descriptor <paramref name="slot"/> (descriptors live in coherent memory).</summary>
        public int RxDescriptorLength(int slot) => FramesWritten[slot]?.Length ?? 0;

        /// <summary>Frames arrive from the wire: one per posted descriptor, sized to its buffer.</summary>
        public void ReceiveFrames(int count)
        {
            for (int slot = 0; slot < count; slot++)
            {
                string text = _len[slot] <= RxRingConstants.RX_SHORT_LEN
                    ? $"ARP who-has 10.0.0.{slot + 1} tell 10.0.0.254"
                    : $"TCP 10.0.0.254:443 > 10.0.0.{slot + 1}:51000 seq={slot * 1460} len=1400 ";
                int frameLen = Math.Min(_len[slot], _len[slot] <= RxRingConstants.RX_SHORT_LEN ? 60 : 1400);
                byte[] frame = Bytes.Ascii(text, frameLen);
                for (int i = text.Length; i < frameLen; i++) frame[i] = (byte)('a' + (i + slot) % 26);
                _dev.DmaWrite(_ring[slot], frame);
                FramesWritten[slot] = frame;
            }
        }
    }

    /// <summary>Sizes of the receive ring.</summary>
    public static class RxRingConstants
    {
        public const int RX_RING_SIZE = 8;
        public const int RX_SHORT_LEN = 96;    // short pool: ARP, ACKs, anything up to 96 bytes
        public const int RX_LONG_LEN = 1536;   // long pool: full-size frames
        public const int RX_META_LEN = 80;     // struct rx_slot_info: the CPU's bookkeeping for one slot
    }

    /// <summary>What one poll of the ring saw.</summary>
    public sealed record RxPollResult(int[] Len, byte[][] FrameReadBack, byte[][] MetaReadBack);
}
