using System;
using System.IO;
using System.Linq;

namespace PackedAlloc.BuildBench.Building
{
    /// <summary>The DLLs every consumer build uses, copied into the work folder so that a rebuild of the repository during a long run cannot change what is measured.</summary>
    /// <param name="BaselineAnalyzer">Null when no baseline is measured.</param>
    public sealed record BenchInputs(string Runtime, string Analyzer, string? BaselineAnalyzer)
    {
        public const string AnalyzerFileName = "PackedAlloc.Analyzers.dll";
        public const string RuntimeFileName = "PackedAlloc.Runtime.dll";

        /// <summary>
        /// Uses the given DLLs, or builds src/PackedAlloc.Runtime and src/PackedAlloc.Analyzers in Release for those
        /// not given. Throws when a build fails or a file is missing, with the log to read.
        /// </summary>
        public static BenchInputs Prepare(string? runtime, string? analyzer, string? baselineAnalyzer, string workDirectory, TimeSpan timeout)
        {
            string tools = Path.Combine(workDirectory, "inputs");
            runtime ??= BuildFromRepository("PackedAlloc.Runtime", RuntimeFileName, tools, timeout);
            analyzer ??= BuildFromRepository("PackedAlloc.Analyzers", AnalyzerFileName, tools, timeout);
            return new BenchInputs(
                Snapshot(runtime, Path.Combine(tools, "runtime"), RuntimeFileName),
                Snapshot(analyzer, Path.Combine(tools, "analyzer"), AnalyzerFileName),
                baselineAnalyzer == null ? null : Snapshot(baselineAnalyzer, Path.Combine(tools, "baseline-analyzer"), AnalyzerFileName));
        }

        private static string BuildFromRepository(string project, string fileName, string logDirectory, TimeSpan timeout)
        {
            string projectDirectory = Path.Combine(RepositoryRoot(), "src", project);
            string log = Path.Combine(logDirectory, $"build-{project}.log");
            Console.WriteLine($"building {project} (Release)");
            var outcome = DotNetCommand.Run(projectDirectory, new[] { "build", "-c", "Release", "-tl:off", "-nodeReuse:false", "-p:UseSharedCompilation=false" }, log, timeout);
            if (!outcome.Succeeded)
            {
                throw new InvalidOperationException($"building {project} failed; see {log}");
            }

            // The one target framework's output; the newest if an older framework's build is still lying around.
            var built = new DirectoryInfo(Path.Combine(projectDirectory, "bin", "Release"))
                .EnumerateFiles(fileName, SearchOption.AllDirectories)
                .OrderByDescending(f => f.LastWriteTimeUtc)
                .FirstOrDefault();
            return built?.FullName ?? throw new FileNotFoundException($"no {fileName} under {projectDirectory}/bin/Release after the build");
        }

        /// <summary>
        /// Copies <paramref name="file"/> under its assembly's own file name, whatever it was called: the compiler
        /// does not run an analyzer whose file is named otherwise (a renamed copy, given as --analyzer, made every
        /// build report "PA0001 analyzer did not run").
        /// </summary>
        private static string Snapshot(string file, string directory, string fileName)
        {
            if (!File.Exists(file))
            {
                throw new FileNotFoundException("no such file: " + file, file);
            }

            Directory.CreateDirectory(directory);
            string copy = Path.Combine(directory, fileName);
            if (!string.Equals(Path.GetFullPath(file), Path.GetFullPath(copy), StringComparison.Ordinal))
            {
                File.Copy(file, copy, overwrite: true);
            }

            return copy;
        }

        /// <summary>The folder holding PackedAlloc.sln, searched upwards from the current folder and from this program.</summary>
        private static string RepositoryRoot()
        {
            foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            {
                for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                {
                    if (File.Exists(Path.Combine(dir.FullName, "PackedAlloc.sln")))
                    {
                        return dir.FullName;
                    }
                }
            }

            throw new DirectoryNotFoundException("PackedAlloc.sln not found above the current folder: run from the repository, or pass --analyzer and --runtime");
        }
    }
}
