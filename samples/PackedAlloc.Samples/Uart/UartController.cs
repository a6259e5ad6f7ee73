using System;
using System.Collections.Generic;
using System.Text;
using PackedAlloc.Runtime;

namespace PackedAlloc.Samples.Uart
{
    /// <summary>
    /// The emulated UART controller (the hardware side). Its DMA command queue works on 16-byte mailboxes: the driver
    /// writes a command such as <c>"SET BAUD 115200"</c>, rings the doorbell, the controller reads the command and
    /// writes its status (<c>"OK:BAUD 115200"</c>) over it, then raises an interrupt. Its TX FIFO only reads memory.
    /// </summary>
    public sealed class UartController
    {
        private readonly Device _dev;
        private DmaAddr[] _pending = Array.Empty<DmaAddr>();

        public UartController(Device dev) => _dev = dev;

        /// <summary>Every status the controller wrote, in order (the hardware's own record, for checking).</summary>
        public List<byte[]> StatusWritten { get; } = new List<byte[]>();

        /// <summary>What the TX FIFO sent.</summary>
        public StringBuilder Transmitted { get; } = new StringBuilder();

        /// <summary>The driver rings the doorbell for <paramref name="mailboxes"/>; the controller starts working on them.</summary>
        public void Doorbell(DmaAddr[] mailboxes, int count)
        {
            _pending = mailboxes.AsSpan(0, count).ToArray();
        }

        /// <summary>The driver waits for the completion interrupt: by then the controller has answered every mailbox.</summary>
        public void WaitForIrq()
        {
            foreach (DmaAddr mbox in _pending)
            {
                var cmd = new byte[UartPortConstants.UART_MBOX_LEN];
                _dev.DmaRead(mbox, cmd);
                string text = Encoding.ASCII.GetString(cmd).TrimEnd('\0');
                string reply = text.StartsWith("SET ", StringComparison.Ordinal) || text.StartsWith("GET ", StringComparison.Ordinal)
                    ? "OK:" + text.Substring(4)
                    : "ERR:" + text;
                byte[] status = Bytes.Ascii(reply, UartPortConstants.UART_MBOX_LEN);
                _dev.DmaWrite(mbox, status);
                StatusWritten.Add(status);
            }
            _pending = Array.Empty<DmaAddr>();
        }

        /// <summary>The TX FIFO fetches <paramref name="len"/> bytes at <paramref name="addr"/>.</summary>
        public void Transmit(DmaAddr addr, int len)
        {
            var data = new byte[len];
            _dev.DmaRead(addr, data);
            Transmitted.Append(Encoding.ASCII.GetString(data));
        }
    }

    /// <summary>Sizes of the UART driver's objects (C's #defines).</summary>
    public static class UartPortConstants
    {
        public const int UART_NR_MBOX = 4;    // command mailboxes
        public const int UART_MBOX_LEN = 16;  // one command in, one status out
        public const int UART_LOG_LEN = 16;   // struct uart_cmd_log: the CPU's record of a queued command
        public const int UART_TX_LEN = 32;    // TX bounce area for short console writes
    }

    /// <summary>What a command batch left behind, for the demo and the tests to compare.</summary>
    public sealed record UartBatchResult(byte[][] StatusReadBack, byte[][] LogWritten, byte[][] LogReadBack);
}
