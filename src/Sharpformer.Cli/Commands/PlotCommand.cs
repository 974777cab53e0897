using System.CommandLine;
using Sharpformer.Cli.Plots;
using Sharpformer.Training;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// <c>sharpformer plot --run DIR [--out DIR]</c>: a run's training curves from its metrics.jsonl (loss, validation
/// BLEU and chrF against steps and wall time, the learning-rate schedule) as PNGs and CSV; works on a run
/// that is still training.
/// </summary>
public static class PlotCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run", "-r") { Description = "A training run folder.", Required = true };
        var output = new Option<string?>("--out", "-o") { Description = "Folder for the PNGs and CSV (default: DIR/plots)." };
        var command = new Command("plot", "Draw a run's training curves (loss, BLEU, chrF, learning rate) from its metrics.jsonl.") { run, output };
        command.SetAction(parseResult =>
        {
            var dir = RunFolder(parseResult.GetValue(run)!, "--run");
            string folder = parseResult.GetValue(output) ?? Path.Combine(dir.Root, "plots");
            var files = WriteCurves(dir, folder);
            Console.Out.WriteLine($"wrote {string.Join(", ", files.Select(Path.GetFileName))} to {Path.GetFullPath(folder)}");
            return 0;
        });
        return command;
    }

    /// <summary>The curves of <paramref name="run"/> into <paramref name="folder"/>; a note on stderr when a line of the log was left out.</summary>
    public static IReadOnlyList<string> WriteCurves(RunDirectory run, string folder)
    {
        var history = RunLogs.ReadMetrics(run);
        if (history.Source.Note is { } note) Console.Error.WriteLine("note: " + note);
        return TrainingCurvePlots.WriteAll(history, Path.GetFileName(run.Root), folder);
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
