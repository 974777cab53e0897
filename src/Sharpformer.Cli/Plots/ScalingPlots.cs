using ScottPlot;
using Sharpformer.Inspection;

namespace Sharpformer.Cli.Plots;

/// <summary>
/// Note 001's argument for 1/√d_k in four panels against d_k (log scale): the variance of the scores, the
/// softmax entropy, the largest weight and the gradient reaching the scores, each without and with the scale,
/// for random vectors (lines) and a model's real queries and keys (large markers).
/// </summary>
public static class ScalingPlots
{
    private sealed record Panel(string Title, string YLabel, Func<ScalingPoint, double> Value, bool Log);

    public static Multiplot Grid(IReadOnlyList<ScalingPoint> random, IReadOnlyList<ScalingPoint> model, int keys)
    {
        Panel[] panels =
        [
            new("Variance of the scores grows like d_k without the scale", "variance of the softmax input (log scale)", p => p.ScoreVariance, true),
            new($"Softmax entropy collapses (uniform over {keys} keys: ln {keys} = {Math.Log(keys):F2})", "entropy of the weights (nats)", p => p.Entropy, false),
            new("The largest weight goes to 1: all attention on one key", "largest weight of a row", p => p.MaxWeight, false),
            new("The gradient reaching the scores shrinks", "‖∂softmax/∂scores‖ (Frobenius norm)", p => p.ScoreGradient, false),
        ];
        var multiplot = new Multiplot();
        multiplot.AddPlots(panels.Length);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(2, 2);
        var plots = multiplot.GetPlots();
        var dims = random.Select(p => p.HeadDim).Distinct().Order().ToArray();
        for (int i = 0; i < panels.Length; i++) Draw(plots[i], panels[i], random, model, dims, keys, legend: i == 2);
        return multiplot;
    }

    // The legend is the same for every panel: drawn once, where the largest-weight panel has room between its lines.
    private static void Draw(Plot plot, Panel panel, IReadOnlyList<ScalingPoint> random, IReadOnlyList<ScalingPoint> model, int[] dims, int keys, bool legend)
    {
        double Y(ScalingPoint p) => panel.Log ? Math.Log10(Math.Max(1e-12, panel.Value(p))) : panel.Value(p);
        foreach (var (scaled, colour, label) in new[] { (false, PlotFiles.Colour(3), "q·k (no scale)"), (true, PlotFiles.Colour(0), "q·k / √d_k (the paper)") })
        {
            var points = random.Where(p => p.Scaled == scaled).OrderBy(p => p.HeadDim).ToArray();
            var line = plot.Add.Scatter(points.Select(p => Math.Log2(p.HeadDim)).ToArray(), points.Select(Y).ToArray(), colour);
            line.LineWidth = 2.5f;
            line.MarkerSize = 7;
            line.LegendText = "random q, k: " + label;
            foreach (var m in model.Where(p => p.Scaled == scaled))
            {
                var marker = plot.Add.Marker(Math.Log2(m.HeadDim), Y(m), scaled ? MarkerShape.FilledDiamond : MarkerShape.FilledSquare, 15, colour);
                marker.LegendText = "the model's own q, k: " + label;
            }
        }
        if (panel.Title.StartsWith("Softmax entropy", StringComparison.Ordinal))
        {
            var uniform = plot.Add.HorizontalLine(Math.Log(keys), 1.5f, Colors.Gray);
            uniform.LinePattern = LinePattern.Dashed;
            var note = PlotFiles.Note(plot, $"uniform weights: ln {keys}", Math.Log2(dims[^1]), Math.Log(keys), Alignment.UpperRight);
            note.LabelFontColor = Colors.Gray;
        }
        PlotFiles.Log2Ticks(plot.Axes.Bottom, dims);
        if (panel.Log)
        {
            var all = random.Concat(model).Select(Y).ToArray();
            PlotFiles.Log10Ticks(plot.Axes.Left, (int)Math.Floor(all.Min()), (int)Math.Ceiling(all.Max()));
        }
        plot.Axes.Bottom.Label.Text = "d_k (dimensions per head, log scale)";
        plot.Axes.Left.Label.Text = panel.YLabel;
        plot.Title(panel.Title, size: 14);
        if (legend)
        {
            plot.ShowLegend(Alignment.MiddleRight);
            plot.Legend.FontSize = 13;
        }
        else plot.HideLegend();
    }
}
