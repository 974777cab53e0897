using ScottPlot;
using Sharpformer.Benchmarks;
using Sharpformer.Cli.Commands;

namespace Sharpformer.Cli.Plots;

/// <summary>
/// Training-step memory against sequence length at a fixed token budget, one colour per configuration: the activation
/// bytes and their attention part (log–log), the attention share, and the process's RSS.
/// </summary>
public static class MemoryPlots
{
    public static Multiplot Figure(BenchMemoryCommand.Report report)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(3);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(1, 3);
        var plots = multiplot.GetPlots();
        var groups = report.Points.GroupBy(p => p.Name).Select(g => g.OrderBy(p => p.Length).ToArray()).ToArray();
        var lengths = report.Points.Select(p => p.Length).Distinct().Order().ToArray();

        // 1: bytes, log–log: the total (solid) and its attention part (dashed); log10 of MB on the axis
        var bytes = plots[0];
        var logs = new List<double>();
        for (int i = 0; i < groups.Length; i++)
        {
            var g = groups[i];
            logs.AddRange(Line(bytes, g, p => p.ActivationBytes / 1048576.0, i, $"{g[0].Name}: all activations", dashed: false));
            if (g.Any(p => p.AttentionBytes > 0))
                logs.AddRange(Line(bytes, g, p => p.AttentionBytes / 1048576.0, i, $"{g[0].Name}: attention buffers", dashed: true));
        }
        LogAxes(bytes, lengths, logs);
        bytes.Axes.Left.Label.Text = "MB held by the step's buffers (log scale)";
        bytes.Title($"Activation memory of one training step, {report.BatchTokens:N0} tokens per side and batch", size: 14);
        bytes.ShowLegend(Edge.Bottom);
        bytes.Legend.FontSize = 12;

        // 2: attention share
        var share = plots[1];
        for (int i = 0; i < groups.Length; i++)
        {
            var line = share.Add.Scatter(groups[i].Select(p => Math.Log2(p.Length)).ToArray(), groups[i].Select(p => 100 * p.AttentionShare).ToArray(), PlotFiles.Colour(i));
            line.LineWidth = 2.5f;
            line.MarkerSize = 8;
            line.LegendText = groups[i][0].Name;
        }
        var half = share.Add.HorizontalLine(50, 1.5f, Colors.Gray);
        half.LinePattern = LinePattern.Dashed;
        PlotFiles.Log2Ticks(share.Axes.Bottom, lengths);
        share.Axes.SetLimitsY(0, 100);
        share.Axes.Bottom.Label.Text = "T: tokens per sequence (log scale), B = budget / T";
        share.Axes.Left.Label.Text = "attention buffers, % of activation bytes";
        share.Title("Share of the query × key buffers (weights, their gradient, masks)", size: 14);
        share.ShowLegend(Edge.Bottom);
        share.Legend.FontSize = 12;

        // 3: RSS, measured by the operating system
        var rss = plots[2];
        var rssLogs = new List<double>();
        for (int i = 0; i < groups.Length; i++)
        {
            rssLogs.AddRange(Line(rss, groups[i], p => p.PeakRssMb, i, $"{groups[i][0].Name}: peak RSS", dashed: false));
            rssLogs.AddRange(Line(rss, groups[i], p => p.RssBeforeMb, i, $"{groups[i][0].Name}: before the first step", dashed: true));
        }
        LogAxes(rss, lengths, rssLogs);
        rss.Axes.Left.Label.Text = "MB resident (log scale)";
        rss.Title(report.IsolatedRss ? "Process RSS, one fresh process per point" : "Process RSS (one process for all points: peak so far)", size: 14);
        rss.ShowLegend(Edge.Bottom);
        rss.Legend.FontSize = 12;
        return multiplot;
    }

    // y plotted as log10(value); returns the plotted values for the axis range
    private static IEnumerable<double> Line(Plot plot, MemoryPoint[] points, Func<MemoryPoint, double> value, int colour, string label, bool dashed)
    {
        var kept = points.Where(p => value(p) > 0).ToArray();
        if (kept.Length == 0) return [];
        var y = kept.Select(p => Math.Log10(value(p))).ToArray();
        var line = plot.Add.Scatter(kept.Select(p => Math.Log2(p.Length)).ToArray(), y, PlotFiles.Colour(colour));
        line.LineWidth = 2.5f;
        line.MarkerSize = dashed ? 6 : 8;
        if (dashed) line.LinePattern = LinePattern.Dashed;
        line.LegendText = label;
        return y;
    }

    private static void LogAxes(Plot plot, int[] lengths, List<double> logs)
    {
        PlotFiles.Log2Ticks(plot.Axes.Bottom, lengths);
        plot.Axes.Bottom.Label.Text = "T: tokens per sequence (log scale), B = budget / T";
        if (logs.Count == 0) return;
        int lo = (int)Math.Floor(logs.Min()), hi = (int)Math.Ceiling(logs.Max());
        if (hi == lo) hi++;
        PlotFiles.Log10Ticks(plot.Axes.Left, lo, hi);
        plot.Axes.SetLimitsY(lo, hi);
    }
}
