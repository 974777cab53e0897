using ScottPlot;
using Sharpformer.Inference;

namespace Sharpformer.Cli.Plots;

/// <summary>
/// Heatmaps of a sentence's attention maps: one PNG per layer and head, one overview grid per layer
/// (all heads side by side), and the head-averaged target-to-source alignment. Weights are drawn on a
/// fixed [0, 1] colour scale with a colour bar, query tokens down the left, key tokens along the bottom.
/// Decoder self-attention is labelled with the decoder's inputs (&lt;s&gt;, then the output shifted right);
/// encoder–decoder rows with the token each position predicts, so the alignment reads output → source.
/// </summary>
public static class AttentionPlots
{
    private const int Cell = 34, Margin = 160;

    /// <summary>Writes every picture of <paramref name="maps"/> into <paramref name="folder"/>; returns the files written.</summary>
    public static IReadOnlyList<string> WriteAll(SentenceAttention maps, string folder)
    {
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        var src = maps.SourceTokens.Select(PlotFonts.Label).ToArray();
        var tgt = maps.TargetTokens.Select(PlotFonts.Label).ToArray();
        var decoderInputs = new[] { "<s>" }.Concat(tgt.Take(tgt.Length - 1)).ToArray();
        foreach (var (kind, title, data, queries, keys) in new[]
        {
            ("encoder-self", "encoder self-attention", maps.EncoderSelf, src, src),
            ("decoder-self", "decoder (masked) self-attention", maps.DecoderSelf, decoderInputs, decoderInputs),
            ("cross", "encoder–decoder attention", maps.Cross, tgt, src),
        })
        {
            for (int l = 0; l < data.Length; l++)
            {
                for (int h = 0; h < data[l].Length; h++)
                    written.Add(Save(Heatmap(new Plot(), data[l][h], queries, keys, $"{title}, layer {l + 1}, head {h + 1}"),
                        Path.Combine(folder, $"{kind}-l{l + 1}-h{h + 1}.png"), keys.Length, queries.Length));
                written.Add(SaveGrid(data[l], queries, keys, $"{title}, layer {l + 1}", Path.Combine(folder, $"{kind}-l{l + 1}.png")));
            }
        }
        written.Add(Save(Heatmap(new Plot(), maps.AverageCross(), tgt, src, "alignment: encoder–decoder attention averaged over layers and heads"),
            Path.Combine(folder, "alignment.png"), src.Length, tgt.Length));
        return written;
    }

    /// <summary>Draws weights [query][key] on <paramref name="plot"/>, row 0 at the top.</summary>
    public static Plot Heatmap(Plot plot, float[][] weights, IReadOnlyList<string> queries, IReadOnlyList<string> keys, string title)
    {
        var grid = new double[weights.Length, keys.Count];
        for (int i = 0; i < weights.Length; i++)
            for (int j = 0; j < keys.Count; j++) grid[i, j] = weights[i][j];
        var map = plot.Add.Heatmap(grid);
        map.Colormap = new ScottPlot.Colormaps.Viridis();
        map.ManualRange = new ScottPlot.Range(0, 1);
        plot.Add.ColorBar(map);
        // Row i of the grid is drawn at height rows−1−i (the first query at the top).
        plot.Axes.Left.SetTicks(Enumerable.Range(0, queries.Count).Select(i => (double)(queries.Count - 1 - i)).ToArray(), [.. queries]);
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, keys.Count).Select(j => (double)j).ToArray(), [.. keys]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = -60;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        // room for the rotated labels, which the automatic layout does not measure
        plot.Axes.Bottom.MinimumSize = 16 + 7 * keys.Select(k => k.Length).DefaultIfEmpty(1).Max();
        plot.Axes.Left.Label.Text = "query (attends from)";
        plot.Title(title + "\nrows: queries, columns: keys (attended to)", size: 13);
        plot.Font.Set(PlotFonts.Ensure());
        return plot;
    }

    private static string Save(Plot plot, string path, int columns, int rows)
    {
        plot.SavePng(path, Math.Max(420, columns * Cell + Margin + 90), Math.Max(360, rows * Cell + Margin + 40));
        return path;
    }

    private static string SaveGrid(float[][][] heads, IReadOnlyList<string> queries, IReadOnlyList<string> keys, string title, string path)
    {
        int cols = Math.Min(4, heads.Length), rows = (heads.Length + cols - 1) / cols;
        var multiplot = new Multiplot();
        multiplot.AddPlots(heads.Length);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, cols);
        var plots = multiplot.GetPlots();
        for (int h = 0; h < heads.Length; h++) Heatmap(plots[h], heads[h], queries, keys, $"{title}, head {h + 1}");
        int w = Math.Max(420, keys.Count * Cell + Margin + 90), hgt = Math.Max(360, queries.Count * Cell + Margin + 40);
        multiplot.SavePng(path, cols * w, rows * hgt);
        return path;
    }
}
