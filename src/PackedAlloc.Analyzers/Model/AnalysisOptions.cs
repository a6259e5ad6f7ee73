using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace PackedAlloc.Analyzers.Model
{
    /// <summary>
    /// The user's settings from .editorconfig / .globalconfig, in NetAnalyzers' key format:
    /// <c>dotnet_code_quality.PA0001.&lt;name&gt;</c>, or <c>dotnet_code_quality.&lt;name&gt;</c> for every rule.
    /// The analysis is whole-compilation, so the first file that sets an option sets it for the compilation.
    /// </summary>
    internal sealed class AnalysisOptions
    {
        public const string Prefix = "dotnet_code_quality.";
        public const string MaxCallDepthName = "max_interprocedural_call_depth";
        public const string MaxStepsName = "max_analysis_steps";
        public const string MaxTotalStepsName = "max_total_analysis_steps";
        public const string DmaMinAlignName = "dma_minalign";
        public const string BounceMethodsName = "bounce_methods";
        public const string SinkMethodsName = "sink_methods";

        public const int DefaultMaxCallDepth = 8;
        public const int DefaultMaxSteps = 20000;

        /// <summary>The automatic compilation budget's floor: enough for any small project, whatever its shape.</summary>
        public const long AutomaticTotalStepsBase = 2_000_000;

        /// <summary>The automatic compilation budget's allowance per operation of relevant code.</summary>
        public const long AutomaticTotalStepsPerOperation = 200;

        private AnalysisOptions(int maxCallDepth, int maxSteps, long maxTotalSteps, int dmaMinAlign, SymbolNameMatcher bounceMethods, SymbolNameMatcher sinkMethods)
        {
            MaxCallDepth = maxCallDepth;
            MaxSteps = maxSteps;
            MaxTotalSteps = maxTotalSteps;
            DmaMinAlign = dmaMinAlign;
            BounceMethods = bounceMethods;
            SinkMethods = sinkMethods;
        }

        /// <summary>How many calls deep the analysis follows arguments into callees (each with its own context).</summary>
        public int MaxCallDepth { get; }

        /// <summary>The work budget of one method's analysis, in operation visits.</summary>
        public int MaxSteps { get; }

        /// <summary>
        /// The work budget of the whole compilation, in operation visits; 0 (the default) sizes it automatically by
        /// <see cref="AutomaticTotalSteps"/>, so that the bound grows with the code that touches DMA, linearly.
        /// </summary>
        public long MaxTotalSteps { get; }

        /// <summary>The automatic compilation budget for relevant code of <paramref name="relevantOperations"/> operations.</summary>
        public static long AutomaticTotalSteps(long relevantOperations) =>
            AutomaticTotalStepsBase + AutomaticTotalStepsPerOperation * relevantOperations;

        /// <summary>ARCH_DMA_MINALIGN: packed size classes that are multiples of it are DMA-safe.</summary>
        public int DmaMinAlign { get; }

        /// <summary>User methods that bounce like swiotlb_map: mapping through them is safe, and what they return is clean.</summary>
        public SymbolNameMatcher BounceMethods { get; }

        /// <summary>User methods that map their buffer arguments for DMA, like dma_map_single.</summary>
        public SymbolNameMatcher SinkMethods { get; }

        /// <summary>Whether <paramref name="method"/> is a user-configured sink or bounce helper.</summary>
        public bool IsConfigured(IMethodSymbol method) => SinkMethods.Matches(method) || BounceMethods.Matches(method);

        /// <summary>Whether two readings of the options would make the analysis do the same.</summary>
        public bool SameAs(AnalysisOptions other) =>
            MaxCallDepth == other.MaxCallDepth && MaxSteps == other.MaxSteps && MaxTotalSteps == other.MaxTotalSteps
            && DmaMinAlign == other.DmaMinAlign && BounceMethods.SameAs(other.BounceMethods) && SinkMethods.SameAs(other.SinkMethods);

        public static AnalysisOptions Read(AnalyzerConfigOptionsProvider provider, Compilation compilation, int defaultMinAlign)
        {
            string? Get(string name)
            {
                foreach (var tree in compilation.SyntaxTrees)
                {
                    var options = provider.GetOptions(tree);
                    if (options.TryGetValue(Prefix + Descriptors.PackedBufferReachesDmaId + "." + name, out var value)
                        || options.TryGetValue(Prefix + name, out value))
                    {
                        return value;
                    }
                }

                var global = provider.GlobalOptions;
                return global.TryGetValue(Prefix + Descriptors.PackedBufferReachesDmaId + "." + name, out var globalValue)
                    || global.TryGetValue(Prefix + name, out globalValue) ? globalValue : null;
            }

            return new AnalysisOptions(
                ReadPositive(Get(MaxCallDepthName), DefaultMaxCallDepth, allowZero: true),
                ReadPositive(Get(MaxStepsName), DefaultMaxSteps, allowZero: false),
                long.TryParse(Get(MaxTotalStepsName)?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var total) && total > 0 ? total : 0,
                ReadPowerOfTwo(Get(DmaMinAlignName), defaultMinAlign),
                SymbolNameMatcher.Parse(Get(BounceMethodsName)),
                SymbolNameMatcher.Parse(Get(SinkMethodsName)));
        }

        private static int ReadPositive(string? text, int fallback, bool allowZero) =>
            int.TryParse(text?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && (value > 0 || (allowZero && value == 0))
                ? value
                : fallback;

        private static int ReadPowerOfTwo(string? text, int fallback)
        {
            int value = ReadPositive(text, fallback, allowZero: false);
            return (value & (value - 1)) == 0 && value >= 8 ? value : fallback;
        }
    }
}
