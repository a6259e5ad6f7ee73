using System.Runtime.CompilerServices;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// The analysis runs once per compilation in a short-lived compiler process, where tiered compilation keeps a new
    /// method in its slow first-tier code until it has been called often and the runtime has had a quiet moment to
    /// recompile it: in a build, most of the flow ran in that slow code. Methods marked with
    /// <see cref="Optimized"/> are compiled optimized on their first call instead.
    /// </summary>
    internal static class HotPath
    {
        /// <summary><c>MethodImplOptions.AggressiveOptimization</c>, which netstandard2.0 does not name; the runtime reads the flag's value.</summary>
        public const MethodImplOptions Optimized = (MethodImplOptions)512;
    }
}
