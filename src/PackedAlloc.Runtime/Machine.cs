using System;
using System.Collections.Generic;
using System.Threading;

namespace PackedAlloc.Runtime
{
    /// <summary>
    /// An emulated system: RAM with zones, the CPU data cache, the slab allocator, the swiotlb, the coherent pools,
    /// dma-debug and the devices. Machines are isolated from one another; the <see cref="Kernel"/> functions act on
    /// <see cref="Current"/>. All members are thread-safe.
    /// </summary>
    public sealed class Machine
    {
        private static readonly AsyncLocal<Machine?> s_current = new AsyncLocal<Machine?>();
        private readonly object _devicesLock = new object();
        private readonly List<Device> _devices = new List<Device>();

        private Machine(MachineOptions options)
        {
            Options = options;
            Reports = new Diagnostics.ReportSink(this, options.ThrowOnDebugReport);
            Work = new WorkQueue(this);
            Memory = new Memory.PhysicalMemory(this);
            Slab = new Slab.SlabAllocator(this);
            Swiotlb = new Dma.Swiotlb(this);
            Debug = new Dma.DmaDebug(this);
            Dma = new Dma.DmaDirect(this);
            Coherent = new Dma.CoherentAllocator(this);
        }

        /// <summary>Boots a new machine (defaults: arm64-like, 8 GiB, 64 MiB swiotlb, dma-debug on).</summary>
        public static Machine Boot(MachineOptions? options = null)
        {
            options ??= new MachineOptions();
            options.Validate();
            var machine = new Machine(options);
            machine.Swiotlb.Init();
            machine.Slab.Init();
            machine.Coherent.Init();
            machine.Bounce = Runtime.Dma.KmallocBouncer.Create(machine);
            return machine;
        }

        /// <summary>
        /// The machine of this thread / async flow: the innermost <see cref="Enter"/> scope. There is no hidden default
        /// machine: with none entered this throws an <see cref="InvalidOperationException"/> that says so, and so does
        /// every <see cref="Kernel"/> function that needs one.
        /// </summary>
        public static Machine Current => s_current.Value ?? throw NoMachineEntered("Machine.Current");

        /// <summary>The entered machine, or null.</summary>
        internal static Machine? Entered => s_current.Value;

        /// <summary>The entered machine for the Kernel function <paramref name="caller"/>; the error names it.</summary>
        internal static Machine CurrentFor(string caller) => s_current.Value ?? throw NoMachineEntered(caller);

        private static InvalidOperationException NoMachineEntered(string caller) => new InvalidOperationException(
            $"{caller}: no machine is entered on this thread or async flow. The Kernel functions act on the machine of the " +
            "innermost machine.Enter() scope: boot one and enter it first, as in " +
            "'var machine = Machine.Boot(); using (machine.Enter()) { ... }'.");

        /// <summary>Makes this machine <see cref="Current"/> until the returned scope is disposed.</summary>
        public IDisposable Enter()
        {
            var previous = s_current.Value;
            s_current.Value = this;
            return new Scope(previous);
        }

        /// <summary>The options the machine booted with.</summary>
        public MachineOptions Options { get; }

        /// <summary>The CPU data cache.</summary>
        public Memory.CpuCache Cache => Memory.Cache;

        /// <summary>The software IO TLB.</summary>
        public Dma.Swiotlb Swiotlb { get; }

        /// <summary>Whether reports are thrown as <see cref="KernelBugException"/> as well as recorded.</summary>
        public bool ThrowOnDebugReport
        {
            get => Reports.Throw;
            set => Reports.Throw = value;
        }

        /// <summary>The dma-debug, slab, KASAN and WARN reports so far.</summary>
        public IReadOnlyList<DebugReport> DebugReports => Reports.Snapshot();

        /// <summary>Forgets the reports so far.</summary>
        public void ClearDebugReports() => Reports.Clear();

        /// <summary>Plugs in a device.</summary>
        public Device CreateDevice(string name, bool coherent, int dmaMaskBits = 64)
        {
            ArgumentNullException.ThrowIfNull(name);
            if (dmaMaskBits < 12 || dmaMaskBits > 64)
                throw new ArgumentOutOfRangeException(nameof(dmaMaskBits), dmaMaskBits, "dmaMaskBits must be between 12 and 64.");
            var dev = new Device(this, name, coherent, dmaMaskBits);
            lock (_devicesLock) _devices.Add(dev);
            return dev;
        }

        /// <summary>The devices plugged in.</summary>
        public IReadOnlyList<Device> Devices
        {
            get { lock (_devicesLock) return _devices.ToArray(); }
        }

        /// <summary>Unbinds a device; dma-debug reports mappings it still holds.</summary>
        public void RemoveDevice(Device dev)
        {
            ArgumentNullException.ThrowIfNull(dev);
            if (dev.Machine != this) throw new ArgumentException($"Device {dev.Name} belongs to another machine.", nameof(dev));
            lock (_devicesLock)
            {
                if (!_devices.Remove(dev)) return;
            }
            Debug.DeviceReleased(dev);
            dev.IsRemoved = true;
        }

        /// <summary>Waits until background work (swiotlb and atomic pool growth) has finished (<c>flush_scheduled_work</c>).</summary>
        public void FlushWork() => Work.Flush();

        internal Diagnostics.ReportSink Reports { get; }
        internal WorkQueue Work { get; }
        internal Memory.PhysicalMemory Memory { get; }
        internal Slab.SlabAllocator Slab { get; }
        internal Dma.DmaDebug Debug { get; }
        internal Dma.DmaDirect Dma { get; }
        internal Dma.CoherentAllocator Coherent { get; }
        internal Dma.KmallocBouncer Bounce { get; private set; } = null!;

        /// <summary>What the machine's <see cref="MachineOptions.BounceDesign"/> has cost so far: memory reserved and in use, bounces, fallbacks, failures.</summary>
        public BounceStatistics BounceStatistics => Bounce.Statistics();

        internal Span<byte> CpuAccess(KernelPtr p, int length, bool write) => Memory.CpuAccess(p, length, write);

        private sealed class Scope : IDisposable
        {
            private readonly Machine? _previous;
            private bool _disposed;
            public Scope(Machine? previous) => _previous = previous;
            public void Dispose()
            {
                if (_disposed) return;
                _disposed = true;
                s_current.Value = _previous;
            }
        }
    }
}
