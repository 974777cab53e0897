using System.CommandLine;
using Sharpformer.Cli.Plots;
using Sharpformer.Training;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// <c>sharpformer plot --run DIR [--out DIR]</c>: a run's training curves from its metrics.jsonl (loss, validation
/// BLEU and chrF against steps and wall time, the learning-rate schedule) as PNGs and CSV; works on a run
/// that is still training. <c>sharpformer plot --runs A B … [--out DIR]</c>: several runs compared (validation BLEU
/// against wall-clock time on one plot, epoch time and target tokens/s per run).
/// </summary>
public static class PlotCommand
{
    public static Command Create()
    {
        var run = new Option<string?>("--run", "-r") { Description = "A training run folder." };
        var runs = new Option<string[]>("--runs") { Description = "Several run folders to compare on one plot (validation BLEU against wall-clock time, epoch time, tokens/s).", AllowMultipleArgumentsPerToken = true };
        var names = new Option<string[]>("--names") { Description = "With --runs: labels, comma-separated (default: the folders' names).", AllowMultipleArgumentsPerToken = true };
        var output = new Option<string?>("--out", "-o") { Description = "Folder for the PNGs and CSV (default: DIR/plots; with --runs: runs-compared/)." };
        var json = new Option<bool>("--json") { Description = "With --runs: print the runs' figures as JSON." };
        var command = new Command("plot", "Draw a run's training curves (loss, BLEU, chrF, learning rate) from its metrics.jsonl, or compare runs (--runs).") { run, runs, names, output, json };
        command.SetAction(parseResult =>
        {
            if (parseResult.GetValue(runs) is { Length: > 0 } several)
            {
                if (parseResult.GetValue(run) != null) throw new UserInputException("--run: give either --run (one run's curves) or --runs (a comparison)");
                RunComparisonPlots.Compare(several, parseResult.GetValue(names), parseResult.GetValue(output) ?? "runs-compared", parseResult.GetValue(json));
                return 0;
            }
            var dir = RunFolder(parseResult.GetValue(run) ?? throw new UserInputException("--run: needed (or --runs to compare several)"), "--run");
            string folder = parseResult.GetValue(output) ?? Path.Combine(dir.Root, "plots");
            var files = WriteCurves(dir, folder);
            Console.Out.WriteLine($"wrote {string.Join(", ", files.Select(Path.GetFileName))} to {Path.GetFullPath(folder)}");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// The curves of <paramref name="run"/> into <paramref name="folder"/>; a note on stderr when a line of the log was left out.
    /// <paramref name="recipe"/>: the run's options when the caller has them (else read from run.json, if there).
    /// </summary>
    public static IReadOnlyList<string> WriteCurves(RunDirectory run, string folder, TrainingOptions? recipe = null)
    {
        var history = RunLogs.ReadMetrics(run);
        if (history.Source.Note is { } note) Console.Error.WriteLine("note: " + note);
        recipe ??= run.HasOptions ? run.LoadOptions() : null;
        return TrainingCurvePlots.WriteAll(history, Path.GetFileName(run.Root), folder, recipe?.Cooldown ?? 0);
    }

    /// <summary>A run folder that exists and has a metrics.jsonl, or a one-line error naming <paramref name="flag"/>.</summary>
    public static RunDirectory RunFolder(string path, string flag)
    {
        if (!Directory.Exists(path)) throw new UserInputException($"{flag}: folder {path} does not exist");
        var run = new RunDirectory(path);
        if (!File.Exists(run.MetricsPath)) throw new UserInputException($"{flag}: {run.MetricsPath} not found (is {path} a training run?)");
        return run;
    }
}
