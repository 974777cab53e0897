using System.CommandLine;
using Spectre.Console;
using Sharpformer.Cli.Plots;
using Sharpformer.Inference;
using Sharpformer.Inspection;
using Sharpformer.Model;
using Sharpformer.Text;
using Sharpformer.Training;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// <c>sharpformer explain --model DIR --text "..." [--target "..."] [--layer L] [--head H] [--json]</c>: one forward
/// pass laid open, every tensor with its shape and a few values, checked against the model's own forward pass,
/// and how often self-attention peaks on the diagonal. <c>sharpformer explain --scaling [--model DIR]</c>: why
/// the scores are divided by √d_k, as a plot.
/// </summary>
public static class ExplainCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "A training run folder." };
        var text = new Option<string?>("--text", "-t") { Description = "The source sentence." };
        var target = new Option<string?>("--target") { Description = "The target fed to the decoder (default: the model's greedy translation)." };
        var layer = new Option<int?>("--layer", "-l") { Description = "Show only layer L (1-based) of each stack." };
        var head = new Option<int>("--head") { Description = "The head whose Q, K, V, scores and weights are shown (1-based).", DefaultValueFactory = _ => 1 };
        var values = new Option<int>("--values") { Description = "Values shown per row.", DefaultValueFactory = _ => 6 };
        var sentences = new Option<int>("--sentences") { Description = "Validation sentences for the diagonal count and --scaling (0: only --text).", DefaultValueFactory = _ => 200 };
        var scaling = new Option<bool>("--scaling") { Description = "Plot why the scores are divided by √d_k (random q, k for d_k 16..1024; with --model also its real ones)." };
        var keys = new Option<int>("--keys") { Description = "Keys per query in the --scaling experiment on random vectors.", DefaultValueFactory = _ => 32 };
        var output = new Option<string?>("--out", "-o") { Description = "Folder for the --scaling plot and its CSV/JSON (default: scaling/)." };
        var json = new Option<bool>("--json") { Description = "Print the numbers as JSON." };
        var command = new Command("explain", "Lay one forward pass open (shapes, values, attention), or show why attention divides by √d_k (--scaling).")
        {
            model, text, target, layer, head, values, sentences, scaling, keys, output, json,
        };
        command.SetAction(parseResult =>
        {
            string? modelDir = parseResult.GetValue(model);
            using var translator = modelDir == null ? null : EvaluateCommand.LoadTranslator(modelDir);
            var transformer = translator == null ? null : translator.Model as Transformer
                ?? throw new UserInputException($"--model: explain lays open a Transformer; this model is a {translator.Model.Architecture}");
            int count = parseResult.GetValue(sentences);
            if (count < 0) throw new UserInputException($"--sentences: must be 0 or more, got {count}");
            string? sentence = parseResult.GetValue(text);
            if (sentence != null && string.IsNullOrWhiteSpace(sentence)) throw new UserInputException("--text: the sentence is empty");
            bool asJson = parseResult.GetValue(json);

            if (parseResult.GetValue(scaling))
            {
                var real = translator == null ? [] : ValidationTraces(translator, transformer!, modelDir!, count, sentence, out _).SelectMany(t => t.Attention).ToArray();
                ExplainScaling.Run(parseResult.GetValue(keys), real, parseResult.GetValue(output) ?? "scaling", asJson);
                return 0;
            }
            if (translator == null) throw new UserInputException("--model: needed (or --scaling)");
            if (sentence == null) throw new UserInputException("--text: needed (the sentence to lay open)");
            var c = transformer!.Config;
            int? onlyLayer = parseResult.GetValue(layer);
            if (onlyLayer is { } l && (l < 1 || l > Math.Max(c.EncoderLayers, c.DecoderLayers)))
                throw new UserInputException($"--layer: the model has {c.EncoderLayers} encoder and {c.DecoderLayers} decoder layers, got {l}");
            int h = parseResult.GetValue(head);
            if (h < 1 || h > c.Heads) throw new UserInputException($"--head: the model has {c.Heads} heads, got {h}");
            int shown = parseResult.GetValue(values);
            if (shown < 1) throw new UserInputException($"--values: must be at least 1, got {shown}");

            var tokenizer = translator.Tokenizer;
            int[] source = tokenizer.Encode(sentence, addBos: false, addEos: true);
            string? given = parseResult.GetValue(target);
            int[] targetTokens = given != null ? tokenizer.Encode(given) : translator.DecodeBatchNBest([source], DecodeOptions.Greedy)[0][0].Tokens;
            int[] input = [c.BosId, .. targetTokens];
            var trace = ForwardTrace.Run(transformer, source, input);
            var agreement = trace.CompareWithModel();
            var diagonal = DiagonalCount.Count(ValidationTraces(translator, transformer, modelDir!, count, null, out string over).Append(trace));
            over = count == 0 ? "over this sentence" : $"over this sentence and {over}";
            string[] sourcePieces = source.Select(id => PlotFonts.Label(tokenizer.IdToPiece(id))).ToArray();
            string[] inputPieces = input.Select(id => PlotFonts.Label(tokenizer.IdToPiece(id))).ToArray();

            if (asJson)
            {
                Console.Out.WriteLine(PlotFiles.ToJson(new
                {
                    source_tokens = sourcePieces, decoder_input_tokens = inputPieces, chosen_tokens = trace.Chosen.Select(tokenizer.IdToPiece),
                    config = c,
                    tensors = trace.Tensors.Select(t => new
                    {
                        t.Section, t.Name, t.Formula, t.Shape, axes = t.Axes.Select(a => new { a.Name, a.Size }),
                        values = t.Axes[^1].Name == "V" ? null : t.Values,
                    }),
                    logits = trace.Logits, diagonal, diagonal_over = over, agreement,
                }));
                return 0;
            }
            var console = AnsiConsole.Console;
            bool fancy = !Console.IsOutputRedirected && console.Profile.Capabilities.Ansi;
            Func<string, string> heading = fancy ? s => $"\u001b[1;36m━━ {s} ━━\u001b[0m" : s => $"== {s} ==";
            var report = new ExplainReport(Console.Out, shown, heading);
            Console.Out.WriteLine($"source ({source.Length} pieces, S): {string.Join(" ", sourcePieces)}");
            Console.Out.WriteLine($"decoder input ({input.Length} pieces, T): {string.Join(" ", inputPieces)}   "
                + (given != null ? "(<s> + --target)" : "(<s> + the model's greedy translation; --target to give one)"));
            Console.Out.WriteLine($"model: d_model={c.DModel} = h={c.Heads} heads × d_k={c.HeadDim}, d_ff={c.DFf}, {c.EncoderLayers} encoder + {c.DecoderLayers} decoder layers, "
                + $"{(c.NormFirst ? "pre-LN" : "post-LN")}, {(c.Activation == Layers.Activation.Relu ? "ReLU" : "GELU")}, V={c.VocabSize}; B=1 (one sentence)");
            bool Show(string section) => onlyLayer is not { } only || !section.Contains(" layer ") || section.EndsWith($" layer {only}", StringComparison.Ordinal);
            report.Write(trace, sourcePieces, inputPieces, id => PlotFonts.Label(tokenizer.IdToPiece(id)), Show, h - 1);
            report.WriteDiagonal(diagonal, over);
            Console.Out.WriteLine();
            Console.Out.WriteLine($"Checked against the model's own forward pass on the same ids: largest difference {agreement.MaxLogitDifference:0.0e+0} in the logits "
                + $"(which reach {agreement.LargestLogit:F1}), {agreement.MaxWeightDifference:0.0e+0} in the attention weights.");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Traces (no logits) of up to <paramref name="count"/> validation pairs of the run's recipe, teacher-forced with their
    /// references; when the recipe's files are not there, of <paramref name="fallback"/> alone (if given).
    /// </summary>
    private static IEnumerable<ForwardTrace> ValidationTraces(Translator translator, Transformer model, string modelDir, int count, string? fallback, out string over)
    {
        var tokenizer = translator.Tokenizer;
        var run = new RunDirectory(modelDir);
        ParallelCorpus? valid = null;
        if (count > 0 && run.HasOptions)
        {
            var recipe = run.LoadOptions();
            try { valid = recipe.ReadCorpus(recipe.ValidSource, recipe.ValidTarget, "valid"); }
            catch (UserInputException) { }
        }
        var pairs = valid == null ? [] : valid.Pairs
            .Select(p => (Source: tokenizer.Encode(p.Source, false, true), Target: tokenizer.Encode(p.Target)))
            .Where(p => p.Source.Length <= 64 && p.Target.Length < 64).Take(count).ToList();
        over = pairs.Count > 0 ? $"{pairs.Count} validation sentences (decoder fed their references)" : "this sentence only (no validation files found)";
        if (pairs.Count == 0 && fallback != null)
        {
            var source = tokenizer.Encode(fallback, false, true);
            pairs.Add((source, translator.DecodeBatchNBest([source], DecodeOptions.Greedy)[0][0].Tokens));
        }
        int bos = model.Config.BosId;
        return pairs.Select(p => ForwardTrace.Run(model, p.Source, [bos, .. p.Target], withLogits: false, keepTensors: false)).ToList();
    }
}
