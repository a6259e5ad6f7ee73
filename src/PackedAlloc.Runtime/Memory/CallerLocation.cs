using System;
using System.Diagnostics;

namespace PackedAlloc.Runtime.Memory
{
    /// <summary>
    /// Where a Kernel API call that allocates, frees or maps came from, for the "allocated at", "freed at" and "Mapped
    /// at" lines of KASAN and dma-debug reports. The Kernel API takes the caller's file, line and member as
    /// <c>[CallerFilePath]</c>/<c>[CallerLineNumber]</c>/<c>[CallerMemberName]</c> arguments, which the compiler passes
    /// as literals: recording them costs two references and a number, no allocation and no stack walk. The whole stack
    /// is captured only when <see cref="MachineOptions.AllocationSiteStacks"/> asks (about 35 µs a call), and when the
    /// caller's location is unknown (a Kernel function called through a delegate).
    /// </summary>
    internal readonly struct CallerLocation
    {
        private static readonly System.Reflection.Assembly s_own = typeof(CallerLocation).Assembly;

        /// <summary>The most frames a report lists (a test runner's own frames would follow for dozens of lines).</summary>
        private const int MaxFrames = 12;

        private readonly string? _file;
        private readonly string? _member;
        private readonly int _line;
        private readonly StackTrace? _stack;

        private CallerLocation(string? file, int line, string? member, StackTrace? stack)
        {
            _file = file;
            _line = line;
            _member = member;
            _stack = stack;
        }

        /// <summary>Whether anything was recorded (sites are not tracked on machines with <see cref="MachineOptions.TrackAllocationSites"/> off).</summary>
        public bool IsTracked => _file != null || _stack != null;

        /// <summary>The site of a call into the Kernel API from <paramref name="file"/>:<paramref name="line"/> in <paramref name="member"/>, as the machine's options ask it to be kept.</summary>
        public static CallerLocation Capture(Machine machine, string? file, int line, string? member)
        {
            var options = machine.Options;
            if (!options.TrackAllocationSites)
            {
                return default;
            }

            bool located = !string.IsNullOrEmpty(file);

            // No frames skipped by count: once the path is hot the JIT inlines the runtime's frames into the Kernel
            // API function, and a fixed count then skipped the driver's own frame. Format skips the runtime's frames.
            var stack = options.AllocationSiteStacks || !located ? new StackTrace(0, fNeedFileInfo: options.AllocationSiteStacks) : null;
            return new CallerLocation(located ? file : null, line, located ? member : null, stack);
        }

        /// <summary><c>member (File.cs:42)</c>; with a stack, also the frames outside this library that led there.</summary>
        public override string ToString()
        {
            string? caller = _file is null ? null : $"{_member} ({System.IO.Path.GetFileName(_file)}:{_line})";
            string? frames = _stack is null ? null : Frames(_stack, first: caller is null);
            return caller is null ? frames ?? "<unknown>" : frames is null ? caller : caller + frames;
        }

        /// <summary>The frames of <paramref name="stack"/> outside this library: the first alone, or all of them, one per line.</summary>
        private static string? Frames(StackTrace stack, bool first)
        {
            var text = new System.Text.StringBuilder();
            int listed = 0;
            foreach (var frame in stack.GetFrames())
            {
                if (listed == MaxFrames) break;
                var method = frame.GetMethod();
                if (method is null || method.DeclaringType?.Assembly == s_own) continue;
                string name = $"{method.DeclaringType?.FullName}.{method.Name}";
                string? file = frame.GetFileName();
                string described = file is null ? name : $"{name} ({System.IO.Path.GetFileName(file)}:{frame.GetFileLineNumber()})";
                if (first)
                {
                    return described;
                }

                text.Append("\n    ").Append(described);
                listed++;
            }

            return text.Length == 0 ? null : text.ToString();
        }

        public static string Describe(in CallerLocation site) => site.IsTracked ? site.ToString() : "<not tracked>";
    }
}
