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
        var files = new[]
        {
            PlotFiles.Png(Figure(runs), folder, "runs.png", 1700, 650),
            PlotFiles.WriteJson(folder, "runs.json", summaries),
            PlotFiles.WriteCsv(folder, "runs.csv",
                ["name", "architecture", "epochs", "steps", "minutes", "epoch_seconds", "target_tokens_per_second", "best_valid_bleu", "best_epoch", "last_valid_bleu", "final_valid_bleu", "final_model"],
                summaries.Select(s => new object?[] { s.Name, s.Architecture, s.Epochs, s.Steps, s.Minutes, s.EpochSeconds, s.TargetTokensPerSecond, s.BestValidBleu, s.BestEpoch,
                    s.LastValidBleu, s.FinalValidBleu, s.FinalModel })),
            PlotFiles.WriteCsv(folder, "runs-validations.csv", ["name", "epoch", "step", "minutes", "valid_bleu", "valid_chrf", "valid_loss"],
                runs.SelectMany(r => r.History.Validations.Select(v => new object?[] { r.Summary.Name, v.Epoch, v.Step, v.ElapsedSeconds / 60, v.ValidBleu, v.ValidChrf, v.ValidLoss }))),
        };
        if (json) { Console.Out.WriteLine(PlotFiles.ToJson(summaries)); return; }
        Console.Out.Write(Table(summaries));
        Console.Out.WriteLine($"wrote {string.Join(", ", files.Select(Path.GetFileName))} to {Path.GetFullPath(folder)}");
    }

    /// <summary>One line per run: epochs, steps, minutes, epoch time, tokens/s and validation BLEU.</summary>
    public static string Table(IReadOnlyList<RunSummary> runs)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        int width = Math.Max(12, runs.Max(r => r.Name.Length));
        sb.AppendLine(inv, $"{"run".PadRight(width)} {"architecture",-18} {"epochs",6} {"steps",7} {"minutes",8} {"s/epoch",8} {"tgt tok/s",10} {"best BLEU",10} {"last BLEU",10} {"final BLEU",11}");
        foreach (var r in runs)
            sb.AppendLine(inv, $"{r.Name.PadRight(width)} {r.Architecture ?? "?",-18} {r.Epochs,6} {r.Steps,7:N0} {r.Minutes,8:F1} {r.EpochSeconds,8:F0} {r.TargetTokensPerSecond,10:N0} {r.BestValidBleu,10:F2} {r.LastValidBleu,10:F2} {(r.FinalValidBleu is { } f ? f.ToString("F2", inv) : "–"),11}");
        sb.AppendLine("(s/epoch: median wall time between validations, validation included, first epoch left out; tgt tok/s: median over the logging intervals; BLEU: validation, the run's decoding)");
        return sb.ToString();
    }

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
            var steps = history.Steps.Where(s => double.IsFinite(s.TargetTokensPerSecond)).ToArray();
            if (steps.Length > 0)
            {
                var speed = plots[1].Add.Scatter(steps.Select(s => s.ElapsedSeconds / 60).ToArray(), steps.Select(s => s.TargetTokensPerSecond).ToArray(), PlotFiles.Colour(i));
                speed.LineWidth = 1.5f;
                speed.MarkerSize = 0;
                speed.LegendText = $"{summary.Name} (median {summary.TargetTokensPerSecond:N0}; {summary.EpochSeconds / 60:F1} min per epoch)";
                fastest = Math.Max(fastest, steps.Max(s => s.TargetTokensPerSecond) * 1.15);
            }
            end = Math.Max(end, summary.Minutes);
        }
        plots[0].Axes.SetLimits(0, end * 1.03, 0, top);
        plots[0].Axes.Bottom.Label.Text = "wall-clock minutes since the run started";
        plots[0].Axes.Left.Label.Text = "validation BLEU";
        plots[0].Title("Validation BLEU after each epoch, against wall-clock time", size: 15);
        plots[0].ShowLegend(Alignment.LowerRight);
        plots[0].Legend.FontSize = 13;
        plots[1].Axes.SetLimits(0, end * 1.03, 0, fastest);
        plots[1].Axes.Bottom.Label.Text = "wall-clock minutes since the run started";
        plots[1].Axes.Left.Label.Text = "target tokens trained per second";
        plots[1].Title("Training throughput (each logging interval)", size: 15);
        plots[1].ShowLegend(Alignment.LowerRight);
        plots[1].Legend.FontSize = 13;
        return multiplot;
    }
}
