using System.CommandLine;
using Spectre.Console;
using Sharpformer.Training;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// <c>sharpformer average --model RUN --out DIR [--last N] [--within-minutes M]</c>: averages a run's
/// checkpoints into a model folder that translate and evaluate accept, e.g. to see what the same
/// run would have produced with a shorter time budget.
/// </summary>
public static class AverageCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "A training run folder with checkpoints.", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Folder to write model.safetensors, tokenizer/ and run.json into.", Required = true };
        var last = new Option<int?>("--last") { Description = "How many of the newest checkpoints to average (default: the run's --average-last)." };
        var within = new Option<double?>("--within-minutes") { Description = "Only checkpoints saved within this many minutes of the run's start." };
        var command = new Command("average", "Average the newest checkpoints of a run into a model folder.") { model, output, last, within };
        command.SetAction(r =>
        {
            string dir = r.GetValue(model)!;
            if (!Directory.Exists(dir)) throw new UserInputException($"--model: folder {dir} does not exist");
            var run = new RunDirectory(dir);
            int count = r.GetValue(last) ?? Math.Max(1, run.LoadOptions().AverageLast);
            double? minutes = r.GetValue(within);
            if (minutes is <= 0) throw new UserInputException($"--within-minutes: must be positive, got {minutes}");
            var checkpoints = CheckpointAveraging.Select(run, count, minutes * 60);
            var states = checkpoints.Select(Checkpoint.LoadState).ToList();        // read (and checked) before anything is written
            string path = CheckpointAveraging.WriteAveragedRun(run, checkpoints, r.GetValue(output)!);
            AnsiConsole.MarkupLineInterpolated(
                $"Averaged {checkpoints.Count} checkpoints (steps {states[0].Step}–{states[^1].Step}, saved {states[0].ElapsedSeconds / 60:F1}–{states[^1].ElapsedSeconds / 60:F1} min) into [bold]{path}[/]");
            return 0;
        });
        return command;
    }
}
