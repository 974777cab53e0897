using System.Globalization;
using ScottPlot;
using Sharpformer.Analysis;
using Sharpformer.Cli.Commands;

namespace Sharpformer.Cli.Plots;

/// <summary>
/// Which source positions the decoder depends on, by relative position (0 = the first word, 1 = the last): the gradient
/// saliency of every model (left) and the attention mass of the attentional ones (right), as density (1 = an even spread).
/// </summary>
public static class SourceDependencePlots
{
    public static Multiplot Figure(ComparePositionsCommand.Report report)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(1, 2);
        var plots = multiplot.GetPlots();
        Panel(plots[0], report, m => m.Gradient, "Gradient saliency ‖d log p(y|x) / dx_j‖", "gradient norm, relative to an even spread");
        Panel(plots[1], report, m => m.Attention, "Attention mass (cross-attention, mean over target steps, layers and heads)", "attention mass, relative to an even spread");
        return multiplot;
    }

    private static void Panel(Plot plot, ComparePositionsCommand.Report report, Func<ComparePositionsCommand.ModelProfile, PositionProfile?> pick, string title, string yLabel)
    {
        double top = 2;
        for (int m = 0; m < report.Models.Count; m++)
        {
            var profile = pick(report.Models[m]);
            if (profile == null) continue;
            var kept = Enumerable.Range(0, profile.Bins).Where(k => !double.IsNaN(profile.Density[k])).ToArray();
            var line = plot.Add.Scatter(kept.Select(profile.Centre).ToArray(), kept.Select(k => profile.Density[k]).ToArray(), PlotFiles.Colour(m));
            line.LineWidth = 2.5f;
            line.MarkerSize = 8;
            line.LegendText = $"{report.Models[m].Name} (EOS takes {profile.EosShare.ToString("P0", CultureInfo.InvariantCulture)})";
            top = Math.Max(top, kept.Select(k => profile.Density[k]).DefaultIfEmpty(0).Max() * 1.1);
        }
        var even = plot.Add.HorizontalLine(1, 1.5f, Colors.Gray);
        even.LinePattern = LinePattern.Dashed;
        if (!report.Models.Any(m => pick(m) != null))
            PlotFiles.Note(plot, "no model here has attention", 0.5, 1.5, Alignment.MiddleCenter, 15);
        plot.Axes.SetLimits(0, 1, 0, top);
        plot.Axes.Bottom.Label.Text = "relative position of the source word (0 = first, 1 = last; EOS apart)";
        plot.Axes.Left.Label.Text = yLabel;
        plot.Title($"{title}\n{report.Sentences:N0} sentences, {report.Bins} bins; 1 = even spread over the words", size: 14);
        plot.ShowLegend(Alignment.UpperLeft);
        plot.Legend.FontSize = 13;
    }
}
