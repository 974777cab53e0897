using ScottPlot;
using Sharpformer.Training;

namespace Sharpformer.Cli.Plots;

/// <summary>
/// A run's curves from metrics.jsonl: training and validation loss, validation BLEU and chrF against
/// steps and against wall-clock time, and the learning-rate schedule; with their numbers as CSV.
/// </summary>
public static class TrainingCurvePlots
{
    /// <summary>Writes curves.png, learning-rate.png, steps.csv and validations.csv into <paramref name="folder"/>; returns the files.</summary>
    /// <param name="cooldown">The run's cool-down (<see cref="TrainingOptions.Cooldown"/>), named in the schedule's title.</param>
    public static IReadOnlyList<string> WriteAll(TrainingHistory history, string runName, string folder, double cooldown = 0)
    {
        if (history.Steps.Count == 0 && history.Validations.Count == 0)
            throw new UserInputException($"{history.Source.Path}: no training records yet");
        var files = new List<string>
        {
            PlotFiles.Png(Curves(history, runName), folder, "curves.png", 1400, 950),
            PlotFiles.Png(LearningRate(history, runName, cooldown), folder, "learning-rate.png", 900, 520),
            PlotFiles.WriteCsv(folder, "steps.csv", ["step", "epoch", "train_loss", "learning_rate", "target_tokens_per_second", "elapsed_seconds"],
                history.Steps.Select(s => new object?[] { s.Step, s.Epoch, s.Loss, s.LearningRate, s.TargetTokensPerSecond, s.ElapsedSeconds })),
            PlotFiles.WriteCsv(folder, "validations.csv", ["epoch", "step", "train_loss", "valid_loss", "valid_nll", "valid_bleu", "valid_chrf", "elapsed_seconds", "learning_rate"],
                history.Validations.Select(v => new object?[] { v.Epoch, v.Step, v.TrainLoss, v.ValidLoss, v.ValidNll, v.ValidBleu, v.ValidChrf, v.ElapsedSeconds, v.LearningRate })),
        };
        return files;
    }

    /// <summary>2×2: loss and BLEU/chrF, each against steps and against minutes.</summary>
    public static Multiplot Curves(TrainingHistory h, string runName)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(4);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(2, 2);
        var plots = multiplot.GetPlots();
        var steps = h.Steps;
        var valid = h.Validations;
        var end = (Step: steps.Select(s => (double)s.Step).Concat(valid.Select(v => (double)v.Step)).DefaultIfEmpty(1).Max(),
            Minutes: steps.Select(s => s.ElapsedSeconds / 60).Concat(valid.Select(v => v.ElapsedSeconds / 60)).DefaultIfEmpty(1).Max());
        foreach (var (plot, byTime) in new[] { (plots[0], false), (plots[1], true) })
        {
            double[] X(IEnumerable<double> step, IEnumerable<double> seconds) => byTime ? seconds.Select(s => s / 60).ToArray() : step.ToArray();
            Line(plot, X(steps.Select(s => (double)s.Step), steps.Select(s => s.ElapsedSeconds)), steps.Select(s => s.Loss).ToArray(), 0,
                "training loss (mean over each logging interval)", 1.5f, markers: false);
            Line(plot, X(valid.Select(v => (double)v.Step), valid.Select(v => v.ElapsedSeconds)), valid.Select(v => v.TrainLoss).ToArray(), 2,
                "training loss (mean over the epoch)", 2.5f, markers: true);
            Line(plot, X(valid.Select(v => (double)v.Step), valid.Select(v => v.ElapsedSeconds)), valid.Select(v => v.ValidLoss).ToArray(), 1,
                "validation loss (after each epoch)", 2.5f, markers: true);
            Finish(plot, byTime, "loss per target token (label-smoothed cross-entropy)",
                $"Loss against {(byTime ? "wall-clock time" : "optimizer steps")}", Alignment.UpperRight, byTime ? end.Minutes : end.Step);
        }
        foreach (var (plot, byTime) in new[] { (plots[2], false), (plots[3], true) })
        {
            var x = byTime ? valid.Select(v => v.ElapsedSeconds / 60).ToArray() : valid.Select(v => (double)v.Step).ToArray();
            Line(plot, x, valid.Select(v => v.ValidBleu).ToArray(), 0, "validation BLEU", 2.5f, markers: true);
            Line(plot, x, valid.Select(v => v.ValidChrf).ToArray(), 1, "validation chrF", 2.5f, markers: true);
            for (int i = 0; i < valid.Count; i++)
            {
                var label = PlotFiles.Note(plot, $"epoch {valid[i].Epoch}", x[i], valid[i].ValidChrf, Alignment.LowerCenter, 12);
                label.LabelOffsetY = -8;
            }
            plot.Axes.SetLimitsY(0, Math.Max(10, valid.Select(v => Math.Max(v.ValidBleu, v.ValidChrf)).DefaultIfEmpty(0).Max() * 1.15));
            Finish(plot, byTime, "score (0–100)", $"Validation BLEU and chrF after each epoch, against {(byTime ? "wall-clock time" : "optimizer steps")}", Alignment.LowerRight,
                byTime ? end.Minutes : end.Step);
        }
        plots[0].Title($"{runName}: loss against optimizer steps", size: 15);
        return multiplot;
    }

    /// <summary>The learning rate each logging interval ended with (the Noam schedule: warm-up, then 1/√step decay; then the cool-down, if any).</summary>
    public static Plot LearningRate(TrainingHistory h, string runName, double cooldown = 0)
    {
        var plot = new Plot();
        Line(plot, h.Steps.Select(s => (double)s.Step).ToArray(), h.Steps.Select(s => s.LearningRate).ToArray(), 0, "learning rate", 2.5f, markers: false);
        plot.HideLegend();
        plot.Axes.Bottom.Label.Text = "optimizer step";
        plot.Axes.Left.Label.Text = "learning rate";
        string end = cooldown > 0 ? $",\nthen linearly down to 0 over the last {cooldown.ToString("0.#%", System.Globalization.CultureInfo.InvariantCulture)} of the epochs" : "";
        plot.Title($"{runName}: learning-rate schedule\nlr = factor · d_model^-0.5 · min(step^-0.5, step · warmup^-1.5){end}", size: 14);
        return plot;
    }

    private static void Line(Plot plot, double[] x, double[] y, int colour, string label, float width, bool markers)
    {
        if (x.Length == 0) return;
        var line = plot.Add.Scatter(x, y, PlotFiles.Colour(colour));
        line.LineWidth = width;
        line.MarkerSize = markers ? 8 : 0;
        line.LegendText = label;
    }

    // Every panel starts at step 0 / minute 0 and ends where the run is now, so the four panels line up; the 6 % beyond
    // the end leave room for the last epoch's label, centred on its point.
    private static void Finish(Plot plot, bool byTime, string yLabel, string title, Alignment legend, double xMax)
    {
        plot.Axes.Bottom.Label.Text = byTime ? "wall-clock minutes since the run started" : "optimizer step";
        plot.Axes.Left.Label.Text = yLabel;
        plot.Title(title, size: 15);
        plot.ShowLegend(legend);
        plot.Legend.FontSize = 13;
        plot.Axes.SetLimitsX(0, xMax * 1.06);
    }
}
