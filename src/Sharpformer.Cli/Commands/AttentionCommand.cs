using System.CommandLine;
using Sharpformer.Cli.Plots;
using Sharpformer.Inference;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// <c>sharpformer attention --model DIR --text "..." [--beam N] [--out DIR] [--json]</c>: translates one sentence
/// and draws every attention map of the translation (encoder self, decoder self, encoder–decoder; per layer
/// and head, a grid per layer, the averaged alignment) as PNG heatmaps, with the weights in attention.json.
/// With --json the same JSON goes to stdout (and pictures only when --out is given).
/// </summary>
public static class AttentionCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "A training run folder.", Required = true };
        var text = new Option<string>("--text", "-t") { Description = "The source sentence.", Required = true };
        var beam = new Option<int?>("--beam", "-b") { Description = "Beam size for the translation whose maps are drawn (default: the model's recipe)." };
        var output = new Option<string?>("--out", "-o") { Description = "Folder for the PNGs and attention.json (default: attention/ unless --json)." };
        var json = new Option<bool>("--json") { Description = "Print the maps as JSON: source_tokens, target_tokens, encoder_self, decoder_self, cross." };
        var command = new Command("attention", "Draw the attention maps of one translated sentence (PNG heatmaps and JSON).") { model, text, beam, output, json };
        command.SetAction(parseResult =>
        {
            using var translator = EvaluateCommand.LoadTranslator(parseResult.GetValue(model)!);
            var options = translator.Defaults;
            if (parseResult.GetValue(beam) is { } b)
            {
                if (b < 1) throw new UserInputException($"--beam: must be at least 1, got {b}");
                options = options with { Search = options.Search with { BeamSize = b, NBest = 1 } };
            }
            string sentence = parseResult.GetValue(text)!;
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
}
