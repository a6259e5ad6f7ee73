using System;
using System.Linq;
using System.Text.Json;

namespace PackedAlloc.EndToEnd.Tests.Infrastructure
{
    /// <summary>Checks shared by the consumer build tests.</summary>
    public static class BuildAssert
    {
        public const string HelpLink = "https://github.com/packedalloc/packedalloc/blob/main/docs/rules/PA0001.md";

        /// <summary>The analyzer really ran in the SDK's compiler: not skipped (CS9057, CS8032, CS8034) and did not throw (AD0001).</summary>
        public static void AnalyzerLoaded(CommandResult build)
        {
            foreach (var id in new[] { "CS9057", "CS8032", "CS8034", "AD0001" })
            {
                Assert.False(build.Output.Contains(id, StringComparison.Ordinal), $"the build printed {id}:\n{build}");
            }
        }

        public static string[] AnalyzerItemPaths(string getItemOutput)
        {
            using var json = JsonDocument.Parse(getItemOutput.Substring(getItemOutput.IndexOf('{', StringComparison.Ordinal)));
            return json.RootElement.GetProperty("Items").GetProperty("Analyzer").EnumerateArray()
                .Select(i => i.GetProperty("FullPath").GetString()!)
                .ToArray();
        }
    }
}
