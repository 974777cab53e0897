using ScottPlot;
using Sharpformer.Inspection;

namespace Sharpformer.Cli.Plots;

/// <summary>A 2-D map of word embeddings: each word at its coordinates on the first two principal components.</summary>
public static class EmbeddingPlots
{
    public static Plot PcaMap(IReadOnlyList<WordVector> words, Pca pca, string embeddingName, int dModel)
    {
        var plot = new Plot();
        double[] xs = pca.Coordinates.Select(c => c[0]).ToArray();
        double[] ys = pca.Coordinates.Select(c => c.Length > 1 ? c[1] : 0).ToArray();
        var points = plot.Add.ScatterPoints(xs, ys, PlotFiles.Colour(0));
        points.MarkerSize = 9;
        for (int i = 0; i < words.Count; i++)
        {
            string label = words[i].Pieces.Length == 1 ? words[i].Word : $"{words[i].Word} ({words[i].Pieces.Length} pieces)";
            var text = PlotFiles.Note(plot, PlotFonts.Label(label), xs[i], ys[i], Alignment.LowerLeft, 15);
            text.LabelOffsetX = 7;
            text.LabelOffsetY = -7;
        }
        var share = pca.ExplainedShare;
        plot.Axes.Bottom.Label.Text = $"first principal component ({100 * share[0]:F0} % of these words' variance)";
        plot.Axes.Left.Label.Text = share.Length > 1 ? $"second principal component ({100 * share[1]:F0} %)" : "";
        plot.Title($"Word embeddings ({embeddingName}, d_model = {dModel}) projected onto their two main directions\n"
            + "close points: similar embedding vectors (PCA of the chosen words only)", size: 14);
        plot.Axes.Margins(0.15, 0.12);
        return plot;
    }
}
