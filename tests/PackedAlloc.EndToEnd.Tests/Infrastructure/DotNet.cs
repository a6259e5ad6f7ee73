using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace PackedAlloc.EndToEnd.Tests.Infrastructure
{
    /// <summary>The outcome of one `dotnet` command: its exit code and everything it printed.</summary>
    public sealed record CommandResult(string CommandLine, int ExitCode, string Output, TimeSpan Elapsed)
    {
        public bool Succeeded => ExitCode == 0;

        /// <summary>The diagnostics MSBuild printed, each once (the summary repeats them).</summary>
        public IReadOnlyList<BuildDiagnostic> Diagnostics => BuildDiagnostic.Parse(Output);

        public IEnumerable<BuildDiagnostic> WithId(string id) => Diagnostics.Where(d => d.Id == id);

        /// <summary>For assertion messages: the command and its output.</summary>
        public override string ToString() => $"> {CommandLine}\n(exit {ExitCode}, {Elapsed.TotalSeconds:F1} s)\n{Output}";
    }

    /// <summary>One "file(line,col): warning|error ID: message (help link) [project]" line of MSBuild's console output.</summary>
    public sealed record BuildDiagnostic(string File, int Line, int Column, string Severity, string Id, string Message, string? HelpLink)
    {
        private static readonly Regex Pattern = new(
            @"^[ \t]*(?<file>[^\s(][^(\r\n]*)\((?<line>\d+),(?<col>\d+)\): (?<sev>warning|error|info) (?<id>[A-Z]+\d+): (?<msg>.*?)(?: \((?<help>https?://[^ )]+)\))?(?: \[[^\]\r\n]+\])?[ \t\r]*$",
            RegexOptions.Multiline | RegexOptions.CultureInvariant);

        public static IReadOnlyList<BuildDiagnostic> Parse(string output) =>
            Pattern.Matches(output)
                .Select(m => new BuildDiagnostic(
                    m.Groups["file"].Value.Trim(),
                    int.Parse(m.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture),
                    int.Parse(m.Groups["col"].Value, System.Globalization.CultureInfo.InvariantCulture),
                    m.Groups["sev"].Value,
                    m.Groups["id"].Value,
                    m.Groups["msg"].Value,
                    m.Groups["help"].Success ? m.Groups["help"].Value : null))
                .Distinct()
                .ToList();
    }

    /// <summary>
    /// Runs the `dotnet` CLI as a user would, in a clean environment: no MSBuild or NuGet variables inherited from
    /// the test host (dotnet test, Microsoft.Build.Locator), no MSBuild nodes left running after the command.
    /// </summary>
    public static class DotNet
    {
        private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(4);

        /// <summary>The `dotnet` that runs these tests (the SDK under test), else the one on PATH.</summary>
        public static string Executable { get; } = FindDotNet();

        /// <param name="environment">Variables to set; a null value removes the variable.</param>
        public static CommandResult Run(string workingDirectory, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
        {
            var args = arguments.ToList();
            var psi = new ProcessStartInfo(Executable)
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in args) psi.ArgumentList.Add(a);

            foreach (var key in psi.Environment.Keys.ToList())
            {
                if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) ||
                    key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase) ||
                    key.Equals("DOTNET_HOST_PATH", StringComparison.OrdinalIgnoreCase))
                {
                    psi.Environment.Remove(key);
                }
            }
            psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            psi.Environment["DOTNET_NOLOGO"] = "1";
            psi.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
            psi.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
            psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
            if (environment != null)
            {
                foreach (var (key, value) in environment)
                {
                    if (value is null) psi.Environment.Remove(key);
                    else psi.Environment[key] = value;
                }
            }

            var output = new StringBuilder();
            var gate = new object();
            var stopwatch = Stopwatch.StartNew();
            using var process = new Process { StartInfo = psi };
            process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (gate) output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (gate) output.AppendLine(e.Data); };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var limit = timeout ?? DefaultTimeout;
            if (!process.WaitForExit((int)limit.TotalMilliseconds))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                throw new TimeoutException($"dotnet {string.Join(' ', args)} did not finish in {limit.TotalSeconds} s:\n{output}");
            }
            process.WaitForExit(); // drains the asynchronous readers
            stopwatch.Stop();
            lock (gate)
            {
                return new CommandResult("dotnet " + string.Join(' ', args), process.ExitCode, output.ToString(), stopwatch.Elapsed);
            }
        }

        private static string FindDotNet()
        {
            // The test host runs on the SDK's own runtime: <dotnet root>/shared/Microsoft.NETCore.App/<version>/.
            var runtimeDir = System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory();
            var root = System.IO.Path.GetFullPath(System.IO.Path.Combine(runtimeDir, "..", "..", ".."));
            var candidate = System.IO.Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
            return System.IO.File.Exists(candidate) ? candidate : "dotnet";
        }
    }
}
