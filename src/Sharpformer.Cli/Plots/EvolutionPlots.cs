using System.Globalization;
using ScottPlot;
using Sharpformer.Inspection;
using Sharpformer.Training;

namespace Sharpformer.Cli.Plots;

/// <summary>
/// How attention is learned (note 002's question): from watch.jsonl, one strip per head of every attention
/// sublayer across the recorded moments of training (the initial weights, then each validation), and from
/// metrics.jsonl the gradient norms of W_Q, W_K, W_V and W_O per layer over the steps.
/// </summary>
public static class EvolutionPlots
{
    /// <summary>Moments drawn at most (evenly chosen, first and last always).</summary>
    public const int MaxColumns = 8;

    private const int Cell = 24;

    /// <summary>Writes evolution-{kind}-l{layer}.png for every attention sublayer; returns the files.</summary>
    public static IReadOnlyList<string> WriteStrips(IReadOnlyList<WatchRecord> records, string folder)
    {
        if (records.Count == 0) throw new UserInputException("watch.jsonl holds no records yet (the first is written when training starts)");
        var shown = Choose(records);
        var files = new List<string>();
        foreach (var (kind, title, maps, queries, keys) in new (string, string, Func<WatchRecord, float[][][][]>, Func<WatchRecord, string[]>, Func<WatchRecord, string[]>)[]
        {
            ("encoder-self", "encoder self-attention", r => r.EncoderSelf, Source, Source),
            ("decoder-self", "decoder (masked) self-attention", r => r.DecoderSelf, DecoderInputs, DecoderInputs),
            ("cross", "encoder–decoder attention", r => r.Cross, Target, Source),
        })
        {
            int layers = maps(shown[^1]).Length;
            for (int l = 0; l < layers; l++)
                files.Add(Strip(shown, r => maps(r)[l], $"{title}, layer {l + 1}", queries, keys, folder, $"evolution-{kind}-l{l + 1}.png"));
        }
        return files;
    }

    private static string[] Source(WatchRecord r) => r.SourceTokens.Select(PlotFonts.Label).ToArray();
    private static string[] Target(WatchRecord r) => r.TargetTokens.Select(PlotFonts.Label).ToArray();
    private static string[] DecoderInputs(WatchRecord r) => ["<s>", .. Target(r).Take(r.TargetTokens.Length - 1)];

    /// <summary>The records drawn: all when few, else an even spread keeping the first and the last.</summary>
    public static IReadOnlyList<WatchRecord> Choose(IReadOnlyList<WatchRecord> records)
    {
        if (records.Count <= MaxColumns) return records;
        return Enumerable.Range(0, MaxColumns).Select(i => records[(int)Math.Round(i * (records.Count - 1) / (double)(MaxColumns - 1))]).Distinct().ToArray();
    }

    // Rows: heads; columns: moments of training. Query tokens label the first column (every column when the
    // decoder followed its own output, whose tokens change), key tokens the bottom row.
    private static string Strip(IReadOnlyList<WatchRecord> shown, Func<WatchRecord, float[][][]> layer, string title,
        Func<WatchRecord, string[]> queries, Func<WatchRecord, string[]> keys, string folder, string name)
    {
        int heads = layer(shown[^1]).Length, columns = shown.Count;
        bool sameTokens = shown.All(r => queries(r).SequenceEqual(queries(shown[0])) && keys(r).SequenceEqual(keys(shown[0])));
        var multiplot = new Multiplot();
        multiplot.AddPlots(heads * columns);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(heads, columns);
        var plots = multiplot.GetPlots();
        int longest = shown.SelectMany(r => queries(r).Concat(keys(r))).Max(t => t.Length);
        int labelRoom = 12 + 8 * longest;
        for (int h = 0; h < heads; h++)
            for (int c = 0; c < columns; c++)
            {
                var record = shown[c];
                var plot = plots[h * columns + c];
                var grid = layer(record)[h];
                PlotFiles.Heatmap(plot, grid, 0, 1, new ScottPlot.Colormaps.Viridis(), c == columns - 1 ? "attention weight" : null);
                string[] rows = queries(record), cols = keys(record);
                if ((c == 0 || !sameTokens) && rows.Length == grid.Length)
                {
                    plot.Axes.Left.SetTicks(Enumerable.Range(0, rows.Length).Select(i => (double)(rows.Length - 1 - i)).ToArray(), rows);
                    plot.Axes.Left.MinimumSize = labelRoom;
                }
                else plot.Axes.Left.SetTicks([], []);
                if (c == 0) plot.Axes.Left.Label.Text = $"head {h + 1}: query";
                if (h == heads - 1 && grid.Length > 0 && grid[0].Length == cols.Length)
                {
                    plot.Axes.Bottom.SetTicks(Enumerable.Range(0, cols.Length).Select(j => (double)j).ToArray(), cols);
                    plot.Axes.Bottom.TickLabelStyle.Rotation = -60;
                    plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
                    plot.Axes.Bottom.MinimumSize = labelRoom;
                }
                else plot.Axes.Bottom.SetTicks([], []);
                if (h == 0) plot.Title(Moment(record), size: 13);
            }
        plots[0].Title($"{title} — {Moment(shown[0])}", size: 13);
        int maxRows = shown.Max(r => queries(r).Length), maxKeys = shown.Max(r => keys(r).Length);
        int width = columns * (maxKeys * Cell + 60 + (sameTokens ? 0 : labelRoom)) + labelRoom + 110, height = heads * (maxRows * Cell + 40) + labelRoom + 40;
        return PlotFiles.Png(multiplot, folder, name, Math.Max(600, width), Math.Max(400, height));
    }

    private static string Moment(WatchRecord r) => r.Step == 0 ? "initial weights" : $"epoch {r.Epoch}, step {r.Step:N0}";

    /// <summary>‖∂L/∂W‖ of W_Q, W_K, W_V, W_O against steps: one panel per kind of attention, a colour per matrix, a line style per layer.</summary>
    public static Multiplot GradientNorms(TrainingHistory history, string runName)
    {
        var steps = history.Steps.Where(s => s.AttentionGradNorms != null).ToArray();
        if (steps.Length == 0) throw new UserInputException($"{history.Source.Path}: no attention gradient norms recorded (a run from before they were, or an architecture without W_Q/W_K/W_V)");
        var blocks = steps[^1].AttentionGradNorms!.Keys.ToArray();
        var kinds = new[] { ("self", "encoder.", "encoder self-attention"), ("self", "decoder.", "decoder self-attention"), ("cross", "decoder.", "encoder–decoder attention") }
            .Where(k => blocks.Any(b => b.StartsWith(k.Item2, StringComparison.Ordinal) && b.EndsWith("." + k.Item1, StringComparison.Ordinal))).ToArray();
        var multiplot = new Multiplot();
        multiplot.AddPlots(kinds.Length);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        var plots = multiplot.GetPlots();
        LinePattern[] patterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed];
        for (int k = 0; k < kinds.Length; k++)
        {
            var (suffix, stack, title) = kinds[k];
            var plot = plots[k];
            var mine = blocks.Where(b => b.StartsWith(stack, StringComparison.Ordinal) && b.EndsWith("." + suffix, StringComparison.Ordinal)).ToArray();
            for (int l = 0; l < mine.Length; l++)
                for (int m = 0; m < AttentionGradientNorms.Matrices.Count; m++)
                {
                    string matrix = AttentionGradientNorms.Matrices[m];
                    var points = steps.Where(s => s.AttentionGradNorms!.TryGetValue(mine[l], out var b) && b.ContainsKey(matrix) && b[matrix] > 0).ToArray();
                    if (points.Length == 0) continue;
                    var line = plot.Add.ScatterLine(points.Select(s => (double)s.Step).ToArray(),
                        points.Select(s => Math.Log10(s.AttentionGradNorms![mine[l]][matrix])).ToArray(), PlotFiles.Colour(m));
                    line.LineWidth = 2;
                    line.LinePattern = patterns[l % patterns.Length];
                    line.LegendText = $"{matrix.ToUpperInvariant()} layer {int.Parse(mine[l].Split('.')[1], CultureInfo.InvariantCulture) + 1}";
                }
            var all = steps.SelectMany(s => s.AttentionGradNorms!.Values.SelectMany(b => b.Values)).Where(v => v > 0).Select(Math.Log10).ToArray();
            PlotFiles.Log10Ticks(plot.Axes.Left, (int)Math.Floor(all.Min()), (int)Math.Ceiling(all.Max()));
            plot.Axes.SetLimitsY(Math.Floor(all.Min()), Math.Ceiling(all.Max()));
            plot.Axes.Bottom.Label.Text = "optimizer step";
            plot.Axes.Left.Label.Text = "‖gradient‖ at the step (log scale)";
            plot.Title($"{title}: gradient norms of W_Q, W_K, W_V, W_O", size: 14);
            // one legend (the same for every panel), outside the data, right of the last panel
            if (k == kinds.Length - 1)
            {
                plot.ShowLegend(Edge.Right);
                plot.Legend.FontSize = 13;
            }
            else plot.HideLegend();
        }
        plots[0].Title($"{runName} — {kinds[0].Item3}: gradient norms of W_Q, W_K, W_V, W_O", size: 14);
        return multiplot;
    }
}
