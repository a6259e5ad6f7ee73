using System;
using System.Collections.Generic;
using System.IO;
using PackedAlloc.BuildBench.Measuring;

namespace PackedAlloc.BuildBench.Building
{
    /// <summary>Builds a consumer project the way the measurements need it, and reads the measurements from the log.</summary>
    public sealed class ConsumerBuild
    {
        private readonly TimeSpan _timeout;
        private readonly bool _sequential;

        /// <param name="sequential">Compile with /parallel-, so that each analyzer's reported time is its own work
        /// and not also the time it waited on a lock while other analyzers ran.</param>
        public ConsumerBuild(TimeSpan timeout, bool sequential)
        {
            _timeout = timeout;
            _sequential = sequential;
        }

        public BuildMeasurement Run(string project)
        {
            string folder = Path.GetDirectoryName(project)!;

            // Restore is not what is measured: done first, on its own.
            var restore = DotNetCommand.Run(folder, new[] { "restore", project, "-tl:off", "-nodeReuse:false" }, Path.Combine(folder, "restore.log"), _timeout);
            if (!restore.Succeeded)
            {
                return BuildMeasurement.NotBuilt(restore, "restore failed");
            }

            var arguments = new List<string>
            {
                "build", project, "--no-restore",
                "--no-incremental",            // a property change alone does not recompile, and the analyzers would not run
                "-p:ReportAnalyzer=true", "-v:d", // the per-analyzer times, printed at detailed verbosity
                "-clp:PerformanceSummary",     // the Csc task's time
                "-tl:off",
                "-nodeReuse:false",
                "-p:UseSharedCompilation=false", // a fresh compiler per build: no state carried from one variant to the next
            };
            if (_sequential)
            {
                string responseFile = Path.Combine(folder, "sequential.rsp");
                File.WriteAllText(responseFile, "/parallel-\n");
                arguments.Add("-p:CompilerResponseFile=" + responseFile);
            }

            var build = DotNetCommand.Run(folder, arguments, Path.Combine(folder, "build.log"), _timeout);
            return BuildMeasurement.From(build);
        }
    }
}
