using System;
using System.IO;
using System.Linq;
using PackedAlloc.BuildBench.Building;
using PackedAlloc.BuildBench.Reporting;

namespace PackedAlloc.BuildBench
{
    public static class Program
    {
        public static int Main(string[] args)
        {
            if (args.Contains("--help") || args.Contains("-h"))
            {
                Console.WriteLine(BenchOptions.Usage);
                return 0;
            }

            BenchOptions options;
            try
            {
                options = BenchOptions.Parse(args);
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(e.Message);
                Console.Error.WriteLine();
                Console.Error.WriteLine(BenchOptions.Usage);
                return 2;
            }

            Directory.CreateDirectory(options.WorkDirectory);
            Console.WriteLine("work folder: " + options.WorkDirectory);
            BenchInputs inputs;
            try
            {
                inputs = BenchInputs.Prepare(options.Runtime, options.Analyzer, options.BaselineAnalyzer, options.WorkDirectory, options.Timeout);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                Console.Error.WriteLine(e.Message);
                return 1;
            }

            var rows = new BenchRunner(options, inputs).RunAll();

            Console.WriteLine();
            Console.Write(ResultTable.PlainText(rows));
            if (options.MarkdownPath != null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(options.MarkdownPath)!);
                File.WriteAllText(options.MarkdownPath, MarkdownReport.Write(options, inputs, SdkVersion(options), rows));
                Console.WriteLine("markdown: " + options.MarkdownPath);
            }

            // A baseline is often an older analyzer that finds less: its differences are shown, not failed on.
            bool asExpected = rows.Where(r => r.IsUnderTest).All(r => r.Problems().Count == 0);
            return asExpected ? 0 : 1;
        }

        private static string SdkVersion(BenchOptions options)
        {
            var outcome = DotNetCommand.Run(options.WorkDirectory, new[] { "--version" }, Path.Combine(options.WorkDirectory, "sdk-version.log"), TimeSpan.FromMinutes(1));
            var lines = File.ReadAllLines(outcome.LogPath);
            return outcome.Succeeded && lines.Length > 1 ? lines[1].Trim() : "unknown";
        }
    }
}
