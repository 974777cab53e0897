using System.Globalization;
using ScottPlot;
using Sharpformer.Cli.Commands;

namespace Sharpformer.Cli.Plots;

/// <summary>BLEU by source-length bucket: one group of bars per bucket, one bar (colour) per model, the sentence count under each group.</summary>
public static class BucketPlots
{
    public static Plot Bars(CompareBucketsCommand.Report report)
    {
        var plot = new Plot();
        int models = report.Models.Count, buckets = report.Buckets.Count;
        double width = 0.8 / models;
        double top = 0;
        for (int m = 0; m < models; m++)
        {
            var bars = new List<Bar>();
            for (int k = 0; k < buckets; k++)
            {
                double bleu = report.Models[m].Buckets[k].Bleu;
                if (double.IsNaN(bleu)) continue;
                top = Math.Max(top, bleu);
                bars.Add(new Bar
                {
                    Position = k - 0.4 + width * (m + 0.5), Value = bleu, Size = width * 0.92, FillColor = PlotFiles.Colour(m),
                    Label = bleu.ToString("F1", CultureInfo.InvariantCulture),
                });
            }
            var series = plot.Add.Bars(bars);
            series.LegendText = $"{report.Models[m].Name} (all: {report.Models[m].Bleu:F1})";
            series.ValueLabelStyle.FontName = PlotFonts.Ensure();
            series.ValueLabelStyle.FontSize = 12;
        }
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, buckets).Select(k => (double)k).ToArray(),
            Enumerable.Range(0, buckets).Select(k => $"{report.Buckets[k]}\n{report.Sentences[k]:N0} sentences").ToArray());
        plot.Axes.Bottom.Label.Text = $"source length in subword tokens ({report.TokenizerOf}'s tokenizer, EOS not counted)";
        plot.Axes.Left.Label.Text = "BLEU of the bucket's sentences (sacreBLEU, 13a)";
        plot.Axes.SetLimitsY(0, Math.Max(10, top * 1.2));
        plot.Axes.SetLimitsX(-0.6, buckets - 0.4);
        plot.Title($"BLEU by source length: {Path.GetFileName(report.Source)} → {Path.GetFileName(report.Reference)}", size: 15);
        plot.ShowLegend(Alignment.UpperRight);
        plot.Legend.FontSize = 13;
        return plot;
    }
}
