using System.Globalization;
using System.Text;
using ScottPlot;
using Sharpformer.Analysis;
using Sharpformer.Cli.Commands;
using Sharpformer.Training;

namespace Sharpformer.Cli.Plots;

/// <summary>
/// Several training runs side by side (<c>plot --runs</c>): validation BLEU against wall-clock minutes on one plot, the
/// target tokens per second along each run, and a table of the speed figures (<see cref="RunSummary"/>).
/// </summary>
public static class RunComparisonPlots
{
    /// <summary>Reads every run's metrics.jsonl, prints the table (or JSON) and writes runs.png, runs.csv and runs.json to <paramref name="folder"/>.</summary>
    public static void Compare(IReadOnlyList<string> folders, IEnumerable<string>? names, string folder, bool json)
    {
        var labels = CompareInputs.Labels(folders, names);
        var runs = folders.Select((f, i) =>
        {
            var run = PlotCommand.RunFolder(f, "--runs");
            var summary = RunSummary.Of(run, labels[i]);
            var history = RunLogs.ReadMetrics(run);
            if (history.Source.Note is { } note) Console.Error.WriteLine("note: " + note);
            return (Summary: summary, History: history);
        }).ToArray();
        var summaries = runs.Select(r => r.Summary).ToArray();
        new FigureOutput(json, folder).Print(summaries, Table(summaries), to =>
        [
            PlotFiles.Png(Figure(runs), to, "runs.png", 1700, 650),
            PlotFiles.WriteJson(to, "runs.json", summaries),
            PlotFiles.WriteCsv(to, "runs.csv",
                ["name", "architecture", "epochs", "steps", "minutes", "epoch_seconds", "target_tokens_per_second", "best_valid_bleu", "best_epoch", "last_valid_bleu", "final_valid_bleu", "final_model"],
                summaries.Select(s => new object?[] { s.Name, s.Architecture, s.Epochs, s.Steps, s.Minutes, s.EpochSeconds, s.TargetTokensPerSecond, s.BestValidBleu, s.BestEpoch,
                    s.LastValidBleu, s.FinalValidBleu, s.FinalModel })),
            PlotFiles.WriteCsv(to, "runs-validations.csv", ["name", "epoch", "step", "minutes", "valid_bleu", "valid_chrf", "valid_loss"],
                runs.SelectMany(r => r.History.Validations.Select(v => new object?[] { r.Summary.Name, v.Epoch, v.Step, v.ElapsedSeconds / 60, v.ValidBleu, v.ValidChrf, v.ValidLoss }))),
        ]);
    }

    /// <summary>One line per run: epochs, steps, minutes, epoch time, tokens/s and validation BLEU.</summary>
    public static string Table(IReadOnlyList<RunSummary> runs)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        int width = Math.Max(12, runs.Max(r => r.Name.Length));
        sb.AppendLine(inv, $"{"run".PadRight(width)} {"architecture",-18} {"epochs",6} {"steps",7} {"minutes",8} {"s/epoch",8} {"tgt tok/s",10} {"best BLEU",10} {"last BLEU",10} {"final BLEU",11}");
        foreach (var r in runs)
            sb.AppendLine(inv, $"{r.Name.PadRight(width)} {r.Architecture ?? "?",-18} {r.Epochs,6} {r.Steps,7:N0} {r.Minutes,8:F1} {Number(r.EpochSeconds, "F0"),8} {Number(r.TargetTokensPerSecond, "N0"),10} {Number(r.BestValidBleu, "F2"),10} {Number(r.LastValidBleu, "F2"),10} {Number(r.FinalValidBleu ?? double.NaN, "F2"),11}");
        sb.AppendLine("(s/epoch: median wall time between validations, validation included, first epoch left out; tgt tok/s: median over the logging intervals; BLEU: validation, the run's decoding)");
        return sb.ToString();
    }

    private static void Finish(Plot plot, double minutes, double top, string yLabel, string title, Alignment legend)
    {
        plot.Axes.SetLimits(0, minutes * 1.03, 0, top);
        plot.Axes.Bottom.Label.Text = "wall-clock minutes since the run started";
        plot.Axes.Left.Label.Text = yLabel;
        plot.Title(title, size: 15);
        plot.ShowLegend(legend);
        plot.Legend.FontSize = 13;
    }

    private static string Number(double v, string format) => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "–";

    private static Multiplot Figure(IReadOnlyList<(RunSummary Summary, TrainingHistory History)> runs)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(1, 2);
        var plots = multiplot.GetPlots();
        double end = 1e-3, top = 10, fastest = 1;
        for (int i = 0; i < runs.Count; i++)
        {
            var (summary, history) = runs[i];
            var valid = history.Validations;
            if (valid.Count > 0)
            {
                var bleu = plots[0].Add.Scatter(valid.Select(v => v.ElapsedSeconds / 60).ToArray(), valid.Select(v => v.ValidBleu).ToArray(), PlotFiles.Colour(i));
                bleu.LineWidth = 2.5f;
                bleu.MarkerSize = 7;
                bleu.LegendText = $"{summary.Name} (best {summary.BestValidBleu:F1} at epoch {summary.BestEpoch})";
                top = Math.Max(top, valid.Max(v => v.ValidBleu) * 1.15);
            }
            if (summary.FinalValidBleu is { } final)
            {
                // the final model (e.g. an average of checkpoints) at the run's end: other weights than any epoch's
                var marker = plots[0].Add.Marker(summary.Minutes, final, MarkerShape.FilledDiamond, 13, PlotFiles.Colour(i));
                marker.LegendText = $"{summary.Name}: final model ({summary.FinalModel}) {final:F1}";
                top = Math.Max(top, final * 1.15);
            }
            var steps = history.Steps.Where(s => double.IsFinite(s.TargetTokensPerSecond)).ToArray();
            if (steps.Length > 0)
            {
                var speed = plots[1].Add.Scatter(steps.Select(s => s.ElapsedSeconds / 60).ToArray(), steps.Select(s => s.TargetTokensPerSecond).ToArray(), PlotFiles.Colour(i));
                speed.LineWidth = 1.5f;
                speed.MarkerSize = 0;
                speed.LegendText = $"{summary.Name} (median {summary.TargetTokensPerSecond:N0}"
                    + (double.IsFinite(summary.EpochSeconds) ? $"; {summary.EpochSeconds / 60:F1} min per epoch)" : ")");
                fastest = Math.Max(fastest, steps.Max(s => s.TargetTokensPerSecond) * 1.15);
            }
            end = Math.Max(end, summary.Minutes);
        }
        Finish(plots[0], end, top, "validation BLEU", "Validation BLEU after each epoch (diamonds: the final model), against wall-clock time", Alignment.LowerRight);
        Finish(plots[1], end, fastest, "target tokens trained per second", "Training throughput (each logging interval)", Alignment.LowerRight);
        return multiplot;
    }
}
