using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ScottPlot;

namespace PackedAlloc.Demo.Designs
{
    /// <summary>Reserved and in-use bounce memory over a run, one colour per design, on a logarithmic axis (the swiotlb is a thousand times a pool).</summary>
    public static class MemoryChart
    {
        // Below this a line would fall off a logarithmic axis: zero is drawn here.
        private const double FloorKiB = 0.1;

        public static void Save(string path, IReadOnlyList<(string Design, IReadOnlyList<MemorySample> Samples)> runs)
        {
            var plot = new Plot();
            plot.Title("Bounce memory over the run");
            plot.XLabel("tick");
            plot.YLabel("KiB (log scale)");
            for (int i = 0; i < runs.Count; i++)
            {
                var (design, samples) = runs[i];
                Color color = Palette[i % Palette.Length];
                double[] ticks = samples.Select(s => (double)s.Tick).ToArray();
                var reserved = plot.Add.ScatterLine(ticks, samples.Select(s => Log(s.ReservedBytes)).ToArray());
                reserved.Color = color;
                reserved.LineWidth = 2;
                reserved.LinePattern = LinePattern.Dashed;
                reserved.LegendText = $"{design}: reserved";
                var inUse = plot.Add.ScatterLine(ticks, samples.Select(s => Log(s.InUseBytes)).ToArray());
                inUse.Color = color;
                inUse.LineWidth = 1.5f;
                inUse.LegendText = $"{design}: in use";
            }
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                IntegerTicksOnly = true,
                LabelFormatter = y => y <= Math.Log10(FloorKiB) ? "0" : Math.Pow(10, y).ToString("#,0.###", System.Globalization.CultureInfo.InvariantCulture),
            };
            plot.Legend.Alignment = Alignment.MiddleRight; // the band between the swiotlb and the pools is empty
            plot.ShowLegend();
            if (string.Equals(Path.GetExtension(path), ".svg", StringComparison.OrdinalIgnoreCase)) plot.SaveSvg(path, 1100, 650);
            else plot.SavePng(path, 1100, 650);
        }

        private static double Log(long bytes) => Math.Log10(Math.Max(bytes / 1024.0, FloorKiB));

        private static readonly Color[] Palette =
        {
            Colors.Gray, Colors.DarkOrange, Colors.SteelBlue, Colors.SeaGreen, Colors.Crimson,
        };
    }
}
