using ScottPlot;
using Sharpformer.Inspection;

namespace Sharpformer.Cli.Plots;

/// <summary>
/// Note 000's pictures: the positional-encoding matrix, the cosine similarity of every pair of positions,
/// and the distribution of cosine similarity between word embeddings against that between position vectors.
/// </summary>
public static class PositionPlots
{
    /// <summary>PE [positions, d_model] as a heatmap: one row per position (0 at the top), one column per dimension.</summary>
    public static Plot Matrix(PositionMaps maps)
    {
        var plot = new Plot();
        PlotFiles.Heatmap(plot, maps.Encoding, -1, 1, new ScottPlot.Colormaps.Balance(), "PE value");
        PlotFiles.RowTicks(plot.Axes.Left, maps.Positions, PlotFiles.TickStep(maps.Positions));
        PlotFiles.ColumnTicks(plot.Axes.Bottom, maps.DModel, PlotFiles.TickStep(maps.DModel, 16));
        plot.Axes.Left.Label.Text = "position (0 at the top)";
        plot.Axes.Bottom.Label.Text = "dimension i of d_model (even: sine, odd: cosine)";
        plot.Title(maps.Kind == "sinusoidal"
            ? $"Positional encoding PE, {maps.Positions} positions × d_model = {maps.DModel}\nPE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(pos / 10000^(2i/d))"
            : $"Learned position table, {maps.Positions} positions × d_model = {maps.DModel}", size: 14);
        return plot;
    }

    /// <summary>cos(PE[p], PE[q]) for every pair of positions.</summary>
    public static Plot Cosine(PositionMaps maps)
    {
        var plot = new Plot();
        PlotFiles.Heatmap(plot, maps.Cosine, -1, 1, new ScottPlot.Colormaps.Balance(), "cosine similarity");
        int step = PlotFiles.TickStep(maps.Positions);
        PlotFiles.RowTicks(plot.Axes.Left, maps.Positions, step);
        PlotFiles.ColumnTicks(plot.Axes.Bottom, maps.Positions, step);
        plot.Axes.Left.Label.Text = "position p";
        plot.Axes.Bottom.Label.Text = "position q";
        plot.Title($"Cosine similarity of position vectors, cos(PE[p], PE[q]), d_model = {maps.DModel}\n"
            + "1 on the diagonal; near positions are alike, far ones less so", size: 14);
        return plot;
    }

    /// <summary>Both cosine distributions as histograms (share of pairs per bin) on one plot, means marked.</summary>
    public static Plot Comparison(EmbeddingComparison c, string modelName, int dModel)
    {
        var plot = new Plot();
        var x = c.WordHistogram.Centers;
        var words = plot.Add.ScatterLine(x, c.WordHistogram.Fractions.Select(f => 100 * f).ToArray(), PlotFiles.Colour(0));
        words.LineWidth = 2;
        words.LegendText = $"word embeddings E: {c.WordPairs.Count:N0} pairs of {c.WordsCompared:N0} pieces, mean {c.WordPairs.Mean:F3}";
        var positions = plot.Add.ScatterLine(x, c.PositionHistogram.Fractions.Select(f => 100 * f).ToArray(), PlotFiles.Colour(1));
        positions.LineWidth = 2;
        positions.LegendText = $"position vectors PE: {c.PositionPairs.Count:N0} pairs of {c.Positions} positions, mean {c.PositionPairs.Mean:F3}";
        foreach (var (mean, colour) in new[] { (c.WordPairs.Mean, PlotFiles.Colour(0)), (c.PositionPairs.Mean, PlotFiles.Colour(1)) })
        {
            var line = plot.Add.VerticalLine(mean, 1.5f, colour);
            line.LinePattern = LinePattern.Dashed;
        }
        plot.ShowLegend(Alignment.UpperLeft);
        plot.Axes.Bottom.Label.Text = "cosine similarity of a pair (dashed: the means)";
        plot.Axes.Left.Label.Text = "share of pairs per bin (%)";
        plot.Axes.SetLimitsX(-1, 1);
        plot.Title($"Note 000: is word-embedding cosine similarity larger than positional cosine similarity?\n{modelName}, d_model = {dModel}", size: 14);
        return plot;
    }
}
