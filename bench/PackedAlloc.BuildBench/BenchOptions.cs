using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using PackedAlloc.BuildBench.Corpora;

namespace PackedAlloc.BuildBench
{
    /// <summary>The command line.</summary>
    public sealed class BenchOptions
    {
        public const string Usage = """
            Builds generated corpora with and without the PackedAlloc analyzer (CA2000 enabled as the yardstick)
            and prints what the analyzer costs.

            options:
              --sizes 50,100,200           corpus sizes in thousands of lines (default 50,100,200; 5 for a smoke test)
              --corpora library,unused,driver
                                           which corpora (default all three)
              --analyzer PATH              the PackedAlloc.Analyzers.dll under test (default: a Release build of
                                           src/PackedAlloc.Analyzers)
              --baseline-analyzer PATH     a second analyzer DLL measured on the same corpora (e.g. an older version)
              --runtime PATH               PackedAlloc.Runtime.dll (default: a Release build of src/PackedAlloc.Runtime)
              --timeout-minutes N          per build; a longer build is killed and reported as timed out (default 15)
              --markdown PATH              also write the table as markdown
              --work-dir PATH              where corpora, projects and logs go (default: a new folder under the temp folder)
              --seed N                     the generator's seed (default 20261201)
              --sequential                 compile with /parallel- (each analyzer's time without lock waits)
              --pa-option NAME=VALUE       a PA0001 option for the .editorconfig, e.g. max_interprocedural_call_depth=2
                                           (repeatable)

            Exit code: 0 when every build of the analyzer under test reports the expected PA0001 count and no AD0001,
            1 otherwise, 2 for a bad command line.
            """;

        public IReadOnlyList<int> SizesInLines { get; private set; } = new[] { 50_000, 100_000, 200_000 };

        public IReadOnlyList<CorpusKind> Corpora { get; private set; } = CorpusKinds.All;

        public string? Analyzer { get; private set; }

        public string? BaselineAnalyzer { get; private set; }

        public string? Runtime { get; private set; }

        public TimeSpan Timeout { get; private set; } = TimeSpan.FromMinutes(15);

        public string? MarkdownPath { get; private set; }

        public string WorkDirectory { get; private set; } =
            Path.Combine(Path.GetTempPath(), "packedalloc-buildbench-" + DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));

        public int Seed { get; private set; } = CorpusGenerator.DefaultSeed;

        public bool Sequential { get; private set; }

        public IReadOnlyDictionary<string, string> AnalyzerOptions => _analyzerOptions;

        private readonly SortedDictionary<string, string> _analyzerOptions = new(StringComparer.Ordinal);

        /// <exception cref="ArgumentException">The command line is wrong; the message says how.</exception>
        public static BenchOptions Parse(IReadOnlyList<string> args)
        {
            var options = new BenchOptions();
            for (int i = 0; i < args.Count; i++)
            {
                string name = args[i];
                string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value");
                switch (name)
                {
                    case "--sizes":
                        options.SizesInLines = List(Value()).Select(ThousandsOfLines).ToList();
                        break;
                    case "--corpora":
                        options.Corpora = List(Value()).Select(CorpusKinds.Parse).ToList();
                        break;
                    case "--analyzer":
                        options.Analyzer = ExistingFile(Value());
                        break;
                    case "--baseline-analyzer":
                        options.BaselineAnalyzer = ExistingFile(Value());
                        break;
                    case "--runtime":
                        options.Runtime = ExistingFile(Value());
                        break;
                    case "--timeout-minutes":
                        options.Timeout = TimeSpan.FromMinutes(Positive(Value(), name));
                        break;
                    case "--markdown":
                        options.MarkdownPath = Path.GetFullPath(Value());
                        break;
                    case "--work-dir":
                        options.WorkDirectory = Path.GetFullPath(Value());
                        break;
                    case "--seed":
                        options.Seed = int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed) ? seed : throw new ArgumentException("--seed needs an integer");
                        break;
                    case "--sequential":
                        options.Sequential = true;
                        break;
                    case "--pa-option":
                        var (key, value) = Option(Value());
                        options._analyzerOptions[key] = value;
                        break;
                    default:
                        throw new ArgumentException($"unknown option '{name}'");
                }
            }

            return options;
        }

        private static IEnumerable<string> List(string value) => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        /// <summary>"5" is 5000 lines; "0.5" is 500, for the quickest check.</summary>
        private static int ThousandsOfLines(string value)
        {
            double thousands = Positive(value, "--sizes");
            return (int)Math.Round(thousands * 1000);
        }

        private static double Positive(string value, string option) =>
            double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number > 0
                ? number
                : throw new ArgumentException($"{option}: '{value}' is not a positive number");

        private static string ExistingFile(string path) =>
            File.Exists(path) ? Path.GetFullPath(path) : throw new ArgumentException($"no such file: {path}");

        private static (string Key, string Value) Option(string text)
        {
            int equals = text.IndexOf('=', StringComparison.Ordinal);
            return equals > 0 && equals < text.Length - 1
                ? (text.Substring(0, equals).Trim(), text.Substring(equals + 1).Trim())
                : throw new ArgumentException($"--pa-option: '{text}' is not NAME=VALUE");
        }
    }
}
