using System.CommandLine;
using Sharpformer.Cli.Plots;
using Sharpformer.Inference;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// <c>sharpformer attention --model DIR --text "..." [--beam N] [--out DIR] [--json]</c>: translates one sentence
/// and draws every attention map of the translation (encoder self, decoder self, encoder–decoder; per layer
/// and head, a grid per layer, the averaged alignment) as PNG heatmaps, with the weights in attention.json.
/// With --json the same JSON goes to stdout (and pictures only when --out is given).
/// <c>sharpformer attention --run DIR --evolution [--out DIR]</c>: how those maps were learned, from the run's
/// watch.jsonl (one strip per head across the validations) and the gradient norms of W_Q/W_K/W_V/W_O in metrics.jsonl.
/// </summary>
public static class AttentionCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "A training run folder." };
        var text = new Option<string?>("--text", "-t") { Description = "The source sentence." };
        var beam = new Option<int?>("--beam", "-b") { Description = "Beam size for the translation whose maps are drawn (default: the model's recipe)." };
        var output = new Option<string?>("--out", "-o") { Description = "Folder for the PNGs and attention.json (default: attention/ unless --json)." };
        var json = new Option<bool>("--json") { Description = "Print the maps as JSON: source_tokens, target_tokens, encoder_self, decoder_self, cross." };
        var run = new Option<string?>("--run", "-r") { Description = "A training run folder, for --evolution." };
        var evolution = new Option<bool>("--evolution") { Description = "Draw how the watched sentence's maps changed during training, and the gradient norms of W_Q/W_K/W_V/W_O." };
        var command = new Command("attention", "Draw the attention maps of one translated sentence (PNG heatmaps and JSON), or how they were learned (--evolution).")
        {
            model, text, beam, output, json, run, evolution,
        };
        command.SetAction(parseResult =>
        {
            if (parseResult.GetValue(evolution))
            {
                string runDir = parseResult.GetValue(run) ?? parseResult.GetValue(model) ?? throw new UserInputException("--run: needed with --evolution");
                Evolution(PlotCommand.RunFolder(runDir, "--run"), parseResult.GetValue(output));
                return 0;
            }
            if (parseResult.GetValue(run) != null) throw new UserInputException("--run: only with --evolution (maps of a sentence take --model and --text)");
            using var translator = EvaluateCommand.LoadTranslator(parseResult.GetValue(model) ?? throw new UserInputException("--model: needed (the run to translate with)"));
            var options = translator.Defaults;
            if (parseResult.GetValue(beam) is { } b)
            {
                if (b < 1) throw new UserInputException($"--beam: must be at least 1, got {b}");
                options = options with { Search = options.Search with { BeamSize = b, NBest = 1 } };
            }
            string sentence = parseResult.GetValue(text) ?? throw new UserInputException("--text: needed (the sentence whose maps are drawn)");
            if (string.IsNullOrWhiteSpace(sentence)) throw new UserInputException("--text: the sentence is empty");
            var maps = SentenceAttention.Of(translator, sentence, options);
            string jsonText = maps.ToJson();
            bool asJson = parseResult.GetValue(json);
            string? folder = parseResult.GetValue(output) ?? (asJson ? null : "attention");
            if (asJson) Console.Out.WriteLine(jsonText);
            if (folder != null)
            {
                var files = AttentionPlots.WriteAll(maps, folder);
                File.WriteAllText(Path.Combine(folder, "attention.json"), jsonText);
                if (!asJson)
                {
                    Console.Out.WriteLine($"translation: {maps.Translation}");
                    Console.Out.WriteLine($"wrote {files.Count} PNGs and attention.json to {Path.GetFullPath(folder)}");
                }
            }
            return 0;
        });
        return command;
    }

    private static void Evolution(Training.RunDirectory run, string? output)
    {
        string folder = output ?? Path.Combine(run.Root, "evolution");
        var (records, watch) = Training.RunLogs.ReadWatch(run);
        var history = Training.RunLogs.ReadMetrics(run);
        foreach (var note in new[] { watch.Note, history.Source.Note }.OfType<string>()) Console.Error.WriteLine("note: " + note);
        var files = EvolutionPlots.WriteStrips(records, folder).ToList();
        var shown = EvolutionPlots.Choose(records);
        files.Add(PlotFiles.WriteJson(folder, "evolution.json", shown));
        if (history.Steps.Any(s => s.AttentionGradNorms != null))
        {
            files.Add(PlotFiles.Png(EvolutionPlots.GradientNorms(history, Path.GetFileName(run.Root)), folder, "attention-grad-norms.png", 1700, 560));
            files.Add(PlotFiles.WriteCsv(folder, "attention-grad-norms.csv", ["step", "block", "w_q", "w_k", "w_v", "w_o"],
                history.Steps.Where(s => s.AttentionGradNorms != null).SelectMany(s => s.AttentionGradNorms!.Select(b => new object?[]
                    { s.Step, b.Key, b.Value.GetValueOrDefault("w_q"), b.Value.GetValueOrDefault("w_k"), b.Value.GetValueOrDefault("w_v"), b.Value.GetValueOrDefault("w_o") }))));
        }
        else Console.Error.WriteLine($"note: {run.MetricsPath} holds no attention gradient norms; drew the maps only");
        Console.Out.WriteLine($"{records.Count} recorded moments ({shown.Count} drawn): \"{string.Concat(records[^1].SourceTokens.Where(t => t != "</s>")).Replace('\u2581', ' ').Trim()}\"");
        Console.Out.WriteLine($"wrote {files.Count} files to {Path.GetFullPath(folder)}: {string.Join(", ", files.Select(Path.GetFileName))}");
    }
}
