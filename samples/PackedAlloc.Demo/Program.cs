using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using PackedAlloc.Runtime;
using PackedAlloc.Samples;

// PackedAlloc demo: runs every sample driver transfer, buggy and fixed, on emulated non-coherent machines and says
// what happened to the data. Exit code 0 when every buggy transfer corrupted data and every fixed one did not.
// `designs` instead compares the bounce designs of the __GFP_PACKED thread on one workload (Designs/).

if (args.Length > 0 && args[0] == "designs") return PackedAlloc.Demo.Designs.DesignComparison.Run(args[1..]);
if (args.Length > 0)
{
    Console.Error.WriteLine($"unknown command '{args[0]}': run without arguments for the sample drivers, or 'designs [--quick] [--chart PATH]'");
    return 2;
}

Console.WriteLine("""
PackedAlloc demo: small DMA buffers on a machine whose DMA is not cache-coherent
================================================================================
Three sample drivers (samples/PackedAlloc.Samples: a UART, an SPI flash, a network rx ring) each map small
buffers for a device to write into, while the CPU writes its own bookkeeping objects next to them. In the
"buggy" versions those DMA buffers come from kmalloc(..., __GFP_PACKED): they share a cache line with the
CPU's objects, and the cache maintenance around the DMA destroys one side's write. The analyzer's PA0001
warns on exactly those mappings whenever the samples are compiled (tests/PackedAlloc.Samples.Tests checks
it): the warnings are in the output of a build that compiled them; if this run had nothing to rebuild, see
them with `dotnet build samples/PackedAlloc.Samples --no-incremental`. The "fixed" versions apply a fix from
docs/rules/PA0001.md and keep all data. Each row: what the device (or CPU) wrote -> what the CPU read back.

""");

// Each machine's kernel log (standard error by default) is kept aside here and summarised below with the reports.
var kernelLog = new StringWriter();
var machines = new (string Title, MachineOptions Options)[]
{
    ("arm64-like machine: 64-byte cache lines, ARCH_DMA_MINALIGN 128; unmap cleans+invalidates shared lines",
        new MachineOptions { CacheLineSize = 64, DmaMinAlign = 128, Log = kernelLog }),
    ("same machine, but unmap only invalidates shared lines (as arch/arc does): now the CPU's write is lost",
        new MachineOptions { CacheLineSize = 64, DmaMinAlign = 128, PartialLineInvalidate = PartialLineInvalidate.Invalidate, Log = TextWriter.Null }),
};

var all = new List<(int Machine, Scenario Scenario, TransferOutcome Outcome)>();
for (int mi = 0; mi < machines.Length; mi++)
{
    Machine machine = Machine.Boot(machines[mi].Options);
    Console.WriteLine($"Machine {mi + 1}: {machines[mi].Title}");
    Console.WriteLine($"  {"driver",-6} {"variant",-6} {"how",-41} {"expected -> got (first difference)",-50} result");
    foreach (Scenario s in Scenarios.All)
    {
        TransferOutcome o = s.Run(machine);
        all.Add((mi + 1, s, o));
        Console.WriteLine($"  {s.Driver,-6} {s.Variant,-6} {s.How,-41} {Example(o),-50} {Verdict(o)}");
    }
    Console.WriteLine();
}

Console.WriteLine("dma-debug (the emulated kernel's CONFIG_DMA_API_DEBUG) reports with RuleId PA0001, per run:");
foreach (var g in all.Where(x => x.Scenario.Buggy).GroupBy(x => x.Scenario.Driver))
{
    var counts = g.First().Outcome.Pa0001Reports.GroupBy(r => Gist(r.Message)).Select(r => $"{r.Count()}x \"{r.Key}\"");
    Console.WriteLine($"  {g.Key,-5} buggy: {string.Join(", ", counts)}");
}
string[] logLines = kernelLog.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
Console.WriteLine($"  as machine 1's kernel log (MachineOptions.Log) has them, {logLines.Length} lines, e.g.:");
foreach (string line in logLines.Where(l => l.Contains("allocated at", StringComparison.Ordinal)).Take(1).Concat(logLines.Where(l => l.Contains("EEXIST", StringComparison.Ordinal)).Take(1)))
    Console.WriteLine($"    {Shorten(line, 400)}");
int fixedSilent = all.Count(x => !x.Scenario.Buggy && !x.Outcome.Pa0001Reports.Any());
Console.WriteLine($"  fixed transfers: {fixedSilent} of {all.Count(x => !x.Scenario.Buggy)} without a PA0001 report");
foreach (var group in all.SelectMany(x => x.Outcome.OtherReports.Select(r => (x.Machine, x.Scenario, Text: Gist(r.Message))))
             .GroupBy(x => (x.Scenario.Driver, x.Scenario.Variant, x.Text)))
    Console.WriteLine($"  other report, {group.Key.Driver} {group.Key.Variant} ({group.Count()}x, no rule id): {Shorten(group.Key.Text, 110)}");
Console.WriteLine();

var unexpected = all.Where(x => !x.Outcome.AsExpected).ToList();
if (unexpected.Count == 0)
{
    Console.WriteLine($"OK: all {all.Count} transfers behaved as expected (every buggy one corrupted data, every fixed one kept it intact).");
    return 0;
}
Console.WriteLine($"UNEXPECTED: {unexpected.Count} of {all.Count} transfers did not behave as expected:");
foreach (var (mi, s, o) in unexpected)
{
    Console.WriteLine($"  machine {mi} {s}: {Verdict(o)}");
    foreach (DebugReport r in o.Reports) Console.WriteLine($"    report: {FirstLine(r.ToString())}");
}
return 1;

// ------------------------------------------------------------------------------------------------- formatting

static string Verdict(TransferOutcome o)
{
    if (!o.Corrupted) return "intact";
    var lost = new List<string>();
    if (o.DeviceLostCount > 0) lost.Add($"device's write lost in {o.DeviceLostCount}/{o.Slots.Count(s => s.DeviceWrote.Length > 0)}");
    if (o.CpuLostCount > 0) lost.Add($"CPU's write lost in {o.CpuLostCount}/{o.Slots.Count(s => s.CpuWrote.Length > 0)}");
    return "CORRUPTED: " + string.Join(", ", lost);
}

// One pair that shows the outcome: the first lost write if any, else the first buffer (intact).
static string Example(TransferOutcome o)
{
    Slot? dev = o.Slots.FirstOrDefault(s => s.DeviceDataLost);
    if (dev is not null) return $"{Render(dev.DeviceWrote)} -> {Render(dev.DeviceReadBack)}";
    Slot? cpu = o.Slots.FirstOrDefault(s => s.CpuDataLost);
    if (cpu is not null) return $"{Render(cpu.CpuWrote)} -> {Render(cpu.CpuReadBack)}";
    Slot first = o.Slots[0];
    return $"{Render(first.DeviceWrote)} -> {Render(first.DeviceReadBack)}";
}

static string Render(byte[] data)
{
    int n = data.Length;
    while (n > 0 && data[n - 1] == 0) n--;
    if (n > 0 && data.Take(n).All(b => b >= 0x20 && b < 0x7f))
        return "\"" + Shorten(Encoding.ASCII.GetString(data, 0, n), 16) + "\"";
    return string.Join(" ", data.Take(5).Select(b => b.ToString("x2"))) + (data.Length > 5 ? " .." : "");
}

static string Shorten(string s, int max) => s.Length <= max ? s : s.Substring(0, max - 2) + "..";

static string FirstLine(string s) => s.Split('\n')[0];

// The report's text without the device prefix and the per-mapping details in brackets.
static string Gist(string message)
{
    string s = FirstLine(message);
    int colon = s.IndexOf(": ", s.IndexOf(": ", StringComparison.Ordinal) + 2, StringComparison.Ordinal);
    if (s.StartsWith("DMA-API: ", StringComparison.Ordinal) && colon > 0) s = s.Substring(colon + 2);
    int bracket = s.IndexOf(" [", StringComparison.Ordinal);
    return bracket > 0 ? s.Substring(0, bracket) : s;
}
