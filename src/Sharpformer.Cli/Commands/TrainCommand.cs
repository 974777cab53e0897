using System.CommandLine;
using Sharpformer.Layers;
using Sharpformer.Training;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// <c>sharpformer train --preset NAME --out DIR [overrides] [--resume]</c>: trains a translation model,
/// showing progress, then scores it on the preset's test set.
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = $"Recipe to start from: {string.Join(", ", Presets.Names)}.", DefaultValueFactory = _ => "multi30k-de-en" };
        var output = new Option<string>("--out", "-o") { Description = "Run folder (checkpoints, tokenizer, final model).", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its latest checkpoint." };
        var data = new Option<string?>("--data") { Description = "Folder holding multi30k/ (default: the bundled data folder)." };
        var o = new TrainingOverrides();
        var command = new Command("train", "Train a translation or chat model (subword vocabulary, Transformer, checkpoints, validation BLEU).")
        {
            preset, output, resume, data,
        };
        o.AddTo(command);
        command.SetAction(parseResult =>
        {
            var run = new RunDirectory(parseResult.GetValue(output)!);
            bool isResume = parseResult.GetValue(resume);
            TrainingOptions options = isResume && run.HasOptions
                ? run.LoadOptions()
                : Presets.Get(parseResult.GetValue(preset)!, DataFolder.Resolve(parseResult.GetValue(data)));
            options = o.Apply(parseResult, options);
            var ui = TrainingConsole.Create();
            using var interrupt = new CancellationTokenSource();
            ConsoleCancelEventHandler onCtrlC = (_, e) => { e.Cancel = true; interrupt.Cancel(); };
            Console.CancelKeyPress += onCtrlC;
            try
            {
                var summary = new Trainer(run, options, ui).Run(isResume, interrupt.Token);
                ui.Done();
                if (summary.FinalModelKind == "interrupted") return 130;
                ui.Summary(summary);
                DrawCurves(run, ui);
                if (options.TestSource != null && (options.TestTarget != null || options.Columns != null))
                {
                    using var translator = Inference.Translator.Load(run.Root);
                    EvaluateCommand.ScoreAndPrint(translator, options.ReadCorpus(options.TestSource, options.TestTarget, "test"),
                        Inference.Translator.RecipeDefaults(options), ui.Console, samples: 5, recipe: options);
                }
                return 0;
            }
            finally { Console.CancelKeyPress -= onCtrlC; }
        });
        return command;
    }

    // The run's curves into run/plots; a drawing problem is reported, never fatal to a finished run.
    private static void DrawCurves(RunDirectory run, TrainingConsole ui)
    {
        string folder = Path.Combine(run.Root, "plots");
        try
        {
            var files = PlotCommand.WriteCurves(run, folder);
            ui.OnMessage($"Training curves: {string.Join(", ", files.Where(f => f.EndsWith(".png", StringComparison.Ordinal)).Select(Path.GetFileName))} in {folder} "
                + $"(how attention was learned: sharpformer attention --run {run.Root} --evolution)");
        }
        catch (Exception e) when (e is UserInputException or IOException) { ui.OnMessage($"Training curves not drawn: {e.Message}"); }
    }

    /// <summary>One command-line option per hyper-parameter, each overriding the preset when given.</summary>
    private sealed class TrainingOverrides
    {
        private readonly List<Option> _all = [];
        private readonly List<Func<ParseResult, TrainingOptions, TrainingOptions>> _apply = [];

        public TrainingOverrides()
        {
            Add<string>("--train-src", "Training source file.", (t, v) => t with { TrainSource = v });
            Add<string>("--train-tgt", "Training target file.", (t, v) => t with { TrainTarget = v });
            Add<string>("--valid-src", "Validation source file.", (t, v) => t with { ValidSource = v });
            Add<string>("--valid-tgt", "Validation target file.", (t, v) => t with { ValidTarget = v });
            Add<string>("--test-src", "Test source file (scored at the end).", (t, v) => t with { TestSource = v });
            Add<string>("--test-tgt", "Test reference file.", (t, v) => t with { TestTarget = v });
            Add<string>("--columns", "SRC,TGT: read pairs from these columns (names or 0-based indices) of CSV/TSV files given as --train-src/--valid-src/--test-src.", (t, v) => t with { Columns = v });
            Add<string>("--task", "translation or chat (a chat model is evaluated as a chatbot and talked to with `chat`).", (t, v) => t with { Task = ParseTask(v) });
            Add<int>("--vocab-size", "Joint subword vocabulary size.", (t, v) => t with { VocabSize = v });
            Add<int>("--max-length", "Skip training pairs longer than this many tokens.", (t, v) => t with { MaxLength = v });
            Add<int>("--d-model", "Model width d_model.", (t, v) => t with { Model = t.Model with { DModel = v } });
            Add<int>("--heads", "Attention heads.", (t, v) => t with { Model = t.Model with { Heads = v } });
            Add<int>("--d-ff", "Feed-forward inner width.", (t, v) => t with { Model = t.Model with { DFf = v } });
            Add<int>("--enc-layers", "Encoder layers.", (t, v) => t with { Model = t.Model with { EncoderLayers = v } });
            Add<int>("--dec-layers", "Decoder layers.", (t, v) => t with { Model = t.Model with { DecoderLayers = v } });
            Add<float>("--dropout", "Residual and embedding dropout.", (t, v) => t with { Model = t.Model with { Dropout = v } });
            Add<float>("--attention-dropout", "Dropout on attention weights.", (t, v) => t with { Model = t.Model with { AttentionDropout = v } });
            Add<float>("--activation-dropout", "Dropout after the feed-forward activation.", (t, v) => t with { Model = t.Model with { ActivationDropout = v } });
            Add<string>("--activation", "relu or gelu.", (t, v) => t with { Model = t.Model with { Activation = ParseActivation(v) } });
            Add<bool>("--pre-ln", "Pre-LN layers (norm before each sublayer) instead of the paper's post-LN.", (t, v) => t with { Model = t.Model with { NormFirst = v } });
            Add<float>("--label-smoothing", "Label smoothing ε.", (t, v) => t with { Optimizer = t.Optimizer with { LabelSmoothing = v } });
            Add<double>("--lr-factor", "Noam schedule factor.", (t, v) => t with { Optimizer = t.Optimizer with { LrFactor = v } });
            Add<int>("--warmup", "Noam warm-up steps.", (t, v) => t with { Optimizer = t.Optimizer with { Warmup = v } });
            Add<float>("--clip-norm", "Clip the gradient norm (0 = off).", (t, v) => t with { Optimizer = t.Optimizer with { ClipNorm = v } });
            Add<int>("--batch-tokens", "Padded tokens per batch.", (t, v) => t with { BatchTokens = v });
            Add<int>("--batch-sentences", "Max sentences per batch (0 = no limit).", (t, v) => t with { BatchSentences = v });
            Add<int>("--epochs", "Epochs.", (t, v) => t with { Epochs = v });
            Add<double>("--max-minutes", "Wall-clock budget for the run (0 = none).", (t, v) => t with { MaxMinutes = v });
            Add<int>("--patience", "Early stopping after this many epochs without a better validation BLEU (0 = off).", (t, v) => t with { Patience = v });
            Add<int>("--average-last", "Average the last N checkpoints into the final model.", (t, v) => t with { AverageLast = v });
            Add<int>("--keep-checkpoints", "Checkpoints kept on disk.", (t, v) => t with { KeepCheckpoints = v });
            Add<int>("--checkpoint-every", "Also checkpoint every N steps (0 = per epoch only).", (t, v) => t with { CheckpointEverySteps = v });
            Add<int>("--valid-beam", "Beam size for each epoch's validation BLEU (1 = greedy).", (t, v) => t with { ValidBeam = v });
            Add<double>("--valid-alpha", "Length penalty α for validation BLEU.", (t, v) => t with { ValidLengthPenalty = v });
            Add<int>("--test-beam", "Beam size for the final test BLEU (1 = greedy).", (t, v) => t with { TestBeam = v });
            Add<double>("--test-alpha", "Length penalty α for the final test BLEU.", (t, v) => t with { TestLengthPenalty = v });
            Add<int>("--seed", "Random seed (weights, batch order, dropout).", (t, v) => t with { Seed = v });
            Add<int>("--threads", "Threads (0 = all cores).", (t, v) => t with { Threads = v });
            Add<int>("--log-every", "Steps between progress lines.", (t, v) => t with { LogEvery = v });
            Add<string>("--watch", "Sentence whose attention maps are recorded at every validation into watch.jsonl (default: the first short validation pair).", (t, v) => t with { WatchSource = v });
            Add<string>("--watch-target", "Reference for --watch, fed to the decoder so every record has the same tokens (default: the model's greedy output).", (t, v) => t with { WatchTarget = v });
        }

        public void AddTo(Command command)
        {
            foreach (var option in _all) command.Options.Add(option);
        }

        public TrainingOptions Apply(ParseResult result, TrainingOptions options) =>
            _apply.Aggregate(options, (current, f) => f(result, current));

        private void Add<T>(string name, string description, Func<TrainingOptions, T, TrainingOptions> set)
        {
            var option = new Option<T>(name) { Description = description };
            _all.Add(option);
            _apply.Add((result, current) => result.GetResult(option) is { Implicit: false } ? set(current, result.GetValue(option)!) : current);
        }

        private static ModelTask ParseTask(string v) => v.ToLowerInvariant() switch
        {
            "translation" => ModelTask.Translation,
            "chat" => ModelTask.Chat,
            _ => throw new UserInputException($"--task: expected translation or chat, got '{v}'"),
        };

        private static Activation ParseActivation(string v) => v.ToLowerInvariant() switch
        {
            "relu" => Activation.Relu,
            "gelu" => Activation.Gelu,
            _ => throw new UserInputException($"--activation: expected relu or gelu, got '{v}'"),
        };
    }
}
