using System;

namespace PackedAlloc.Analyzers.Tests.Infrastructure
{
    /// <summary>Sizes and seeds of the random tests, raised from the environment for larger runs (see the README).</summary>
    internal static class TestSettings
    {
        /// <summary>The positive integer in environment variable <paramref name="name"/>, or <paramref name="fallback"/> (what CI runs).</summary>
        public static int Read(string name, int fallback) =>
            int.TryParse(Environment.GetEnvironmentVariable(name), out int value) && value > 0 ? value : fallback;
    }
}
