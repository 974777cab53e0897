using ScottPlot;
using Sharpformer.Analysis;
using Sharpformer.Cli.Commands;

namespace Sharpformer.Cli.Plots;

/// <summary>
/// Note 002's two tanh claims kept apart, one panel each: the update ‖h_t − h_{t−1}‖ along the sentence (forward pass),
/// the state's size ‖h_t‖ (how close to tanh's saturation it runs), and the gradient reaching h_t from the end against the
/// distance (backward pass, log scale). Labels write d for ∂ and - for −, which the bundled font lacks. Lines are medians over the sentences, bands the quartiles; one colour per set of weights.
/// </summary>
public static class RecurrencePlots
{
    public static Multiplot Figure(CompareTanhCommand.Report report)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(3);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(1, 3);
        var plots = multiplot.GetPlots();
        string what = $"{report.Architecture} encoder, {report.Cell} cells, H = {report.HiddenSize}, layer {report.Layer} {report.Direction}";
        for (int i = 0; i < report.Series.Count; i++)
        {
            var s = report.Series[i];
            Band(plots[0], s.Updates.Select(x => (x.Index + 1.0, x.Lower, x.Median, x.Upper)), i, $"{s.Weights} weights", log: false);
            Band(plots[1], s.StateNorms.Select(x => (x.Index + 1.0, x.Lower, x.Median, x.Upper)), i, $"{s.Weights} weights", log: false);
            Band(plots[2], s.Gradients.Select(x => (x.Index + 0.0, x.Lower, x.Median, x.Upper)), i, $"{s.Weights} weights", log: true);
        }
        Finish(plots[0], "step t (the source token just read)", "‖h_t - h_(t-1)‖ (median, quartile band)", $"Forward: how far each step moves the state\n{what}");
        Finish(plots[1], "step t (the source token just read)", "‖h_t‖ (median, quartile band)", $"Forward: the size of the state (tanh bounds each unit to ±1: ‖h‖ ≤ sqrt(H) = {Math.Sqrt(report.HiddenSize):F1})");
        string of = report.GradientOf == RecurrenceGradientOf.Loss ? "log p(reference)" : "Σ h_n";
        Finish(plots[2], "distance d from the last step (h_(n-d))", $"‖d({of}) / dh_(n-d)‖ (log scale)", $"Backward: the gradient reaching h_(n-d) from the end\n{report.Sentences:N0} sentences");
        var logs = report.Series.SelectMany(s => s.Gradients).SelectMany(x => new[] { x.Lower, x.Upper }).Where(v => v > 0).Select(Math.Log10).ToArray();
        if (logs.Length > 0)
        {
            int lo = (int)Math.Floor(logs.Min()), hi = (int)Math.Ceiling(logs.Max());
            if (hi == lo) hi++;
            PlotFiles.Log10Ticks(plots[2].Axes.Left, lo, hi);
            plots[2].Axes.SetLimitsY(lo, hi);
        }
        return multiplot;
    }

    private static void Band(Plot plot, IEnumerable<(double X, double Lower, double Median, double Upper)> points, int colour, string label, bool log)
    {
        double Y(double v) => log ? Math.Log10(Math.Max(v, 1e-30)) : v;
        var p = points.ToArray();
        if (p.Length == 0) return;
        var x = p.Select(q => q.X).ToArray();
        var band = plot.Add.FillY(x, p.Select(q => Y(q.Lower)).ToArray(), p.Select(q => Y(q.Upper)).ToArray());
        band.FillColor = PlotFiles.Colour(colour).WithAlpha(0.2);
        band.LineWidth = 0;
        var line = plot.Add.Scatter(x, p.Select(q => Y(q.Median)).ToArray(), PlotFiles.Colour(colour));
        line.LineWidth = 2.5f;
        line.MarkerSize = 5;
        line.LegendText = label;
    }

    private static void Finish(Plot plot, string xLabel, string yLabel, string title)
    {
        plot.Axes.Bottom.Label.Text = xLabel;
        plot.Axes.Left.Label.Text = yLabel;
        plot.Title(title, size: 14);
        plot.ShowLegend(Alignment.UpperRight);
        plot.Legend.FontSize = 13;
    }
}
