using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace PackedAlloc.BuildBench.Building
{
    /// <summary>How one `dotnet` command ended. The full output is in <see cref="LogPath"/>.</summary>
    public sealed record CommandOutcome(string CommandLine, int ExitCode, bool TimedOut, TimeSpan Elapsed, string LogPath)
    {
        public bool Succeeded => !TimedOut && ExitCode == 0;

        public string ReadLog() => File.ReadAllText(LogPath);
    }

    /// <summary>
    /// Runs the `dotnet` CLI as a child process, its output streamed to a log file (a detailed build log of a large
    /// project is tens of megabytes), and kills the whole process tree when it outlives its timeout, so that a
    /// build that would run for hours is reported as timed out instead of hanging the benchmark.
    /// </summary>
    public static class DotNetCommand
    {
        public static CommandOutcome Run(string workingDirectory, IReadOnlyList<string> arguments, string logPath, TimeSpan timeout)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            PrepareEnvironment(start.Environment);
            string commandLine = "dotnet " + string.Join(" ", arguments);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logPath))!);
            using var log = new StreamWriter(logPath) { AutoFlush = false };
            var logLock = new object();
            void Append(string? line)
            {
                if (line == null)
                {
                    return;
                }

                lock (logLock)
                {
                    log.WriteLine(line);
                }
            }

            log.WriteLine("> " + commandLine);
            var watch = Stopwatch.StartNew();
            using var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            bool exited = process.WaitForExit(timeout);
            if (!exited)
            {
                process.Kill(entireProcessTree: true);
            }

            // Without a timeout, this waits for the redirected streams to be drained.
            process.WaitForExit();
            watch.Stop();
            lock (logLock)
            {
                log.WriteLine(exited ? $"(exit {process.ExitCode}, {watch.Elapsed.TotalSeconds:F1} s)" : $"(killed after {timeout.TotalMinutes:F0} min)");
            }

            return new CommandOutcome(commandLine, exited ? process.ExitCode : -1, !exited, watch.Elapsed, logPath);
        }

        /// <summary>
        /// A build as a user would run it: English messages (parsed), no telemetry or banners, and none of the
        /// MSBuild variables `dotnet run` may have passed to this harness, which would leak into the child's build.
        /// </summary>
        private static void PrepareEnvironment(IDictionary<string, string?> environment)
        {
            foreach (var key in environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                environment.Remove(key);
            }

            environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
            environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            environment["DOTNET_NOLOGO"] = "1";
            environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        }
    }
}
