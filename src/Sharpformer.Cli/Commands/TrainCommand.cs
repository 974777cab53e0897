using System.CommandLine;
using Sharpformer.Layers;
using Sharpformer.Layers.Recurrent;
using Sharpformer.Model;
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
        var noTest = new Option<bool>("--no-test") { Description = "Do not score the recipe's test set at the end (a recipe search chooses on validation only; `evaluate` scores test later)." };
        var data = new Option<string?>("--data") { Description = "Folder holding multi30k/ (default: the bundled data folder)." };
        var o = new TrainingOverrides();
        var command = new Command("train", "Train a translation or chat model (subword vocabulary, Transformer or RNN encoder-decoder, checkpoints, validation BLEU).")
        {
            preset, output, resume, data, noTest,
        };
        o.AddTo(command);
        command.SetAction(parseResult =>
        {
            var run = new RunDirectory(parseResult.GetValue(output)!);
            bool isResume = parseResult.GetValue(resume);
            TrainingOptions options = isResume && run.HasOptions
                ? run.LoadOptions()
                : Presets.Get(parseResult.GetValue(preset)!, DataFolder.Resolve(parseResult.GetValue(data)));
            string? architecture = isResume && run.HasOptions ? options.Model.Architecture : null;
            options = o.Apply(parseResult, options);
            if (architecture != null && options.Model.Architecture != architecture)
                throw new UserInputException($"--arch: the run in {run.Root} trains a {architecture} model; resuming cannot change its architecture");
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
                DrawCurves(run, options, ui);
                if (!parseResult.GetValue(noTest) && options.TestSource != null && (options.TestTarget != null || options.Columns != null))
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
    private static void DrawCurves(RunDirectory run, TrainingOptions options, TrainingConsole ui)
    {
        string folder = Path.Combine(run.Root, "plots");
        try
        {
            var files = PlotCommand.WriteCurves(run, folder, options);
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
            Add<string>("--arch", $"Architecture: {string.Join(", ", ModelConfig.Architectures)} (default: the preset's; another family starts from its default sizes).",
                (t, v) => t with { Model = SwitchArchitecture(t.Model, v) });
            AddTransformer<int>("--d-model", "Transformer width d_model.", (m, v) => m with { DModel = v });
            AddTransformer<int>("--heads", "Transformer attention heads.", (m, v) => m with { Heads = v });
            AddTransformer<int>("--d-ff", "Transformer feed-forward inner width.", (m, v) => m with { DFf = v });
            AddTransformer<int>("--enc-layers", "Transformer encoder layers.", (m, v) => m with { EncoderLayers = v });
            AddTransformer<int>("--dec-layers", "Transformer decoder layers.", (m, v) => m with { DecoderLayers = v });
            Add<float>("--dropout", "Dropout: the Transformer's residual and embedding dropout; an RNN's on embeddings, between layers and before the output.",
                (t, v) => t with { Model = t.Model switch { RnnConfig r => r with { Dropout = v }, TransformerConfig m => m with { Dropout = v }, var other => other } });
            AddTransformer<float>("--attention-dropout", "Transformer dropout on attention weights.", (m, v) => m with { AttentionDropout = v });
            AddTransformer<float>("--activation-dropout", "Transformer dropout after the feed-forward activation.", (m, v) => m with { ActivationDropout = v });
            AddTransformer<string>("--activation", "Transformer feed-forward activation: relu or gelu.", (m, v) => m with { Activation = ParseActivation(v) });
            AddTransformer<bool>("--pre-ln", "Transformer pre-LN layers (norm before each sublayer) instead of the paper's post-LN.", (m, v) => m with { NormFirst = v });
            AddRnn<string>("--cell", "RNN cell: gru, lstm or rnn (tanh).", (m, v) => m with { Cell = ParseCell(v) });
            AddRnn<int>("--embedding-size", "RNN embedding width E (also the width of the attentional state h̃, tied to the embedding).", (m, v) => m with { EmbeddingSize = v });
            AddRnn<int>("--hidden", "RNN hidden size H (per direction).", (m, v) => m with { HiddenSize = v });
            AddRnn<int>("--layers", "RNN layers of the encoder and of the decoder.", (m, v) => m with { Layers = v });
            AddRnn<bool>("--bidirectional", "RNN: a bidirectional encoder (default: only for rnn-attn-additive).", (m, v) => m with { Bidirectional = v });
            AddRnn<int>("--attention-size", "rnn-attn-additive: width of the additive attention's layer (default: the hidden size).", (m, v) => m with { AttentionSize = v });
            Add<float>("--label-smoothing", "Label smoothing ε.", (t, v) => t with { Optimizer = t.Optimizer with { LabelSmoothing = v } });
            Add<double>("--lr-factor", "Noam schedule factor.", (t, v) => t with { Optimizer = t.Optimizer with { LrFactor = v } });
            Add<int>("--warmup", "Noam warm-up steps.", (t, v) => t with { Optimizer = t.Optimizer with { Warmup = v } });
            Add<float>("--clip-norm", "Clip the gradient norm (0 = off).", (t, v) => t with { Optimizer = t.Optimizer with { ClipNorm = v } });
            Add<int>("--batch-tokens", "Padded tokens per batch.", (t, v) => t with { BatchTokens = v });
            Add<int>("--batch-sentences", "Max sentences per batch (0 = no limit).", (t, v) => t with { BatchSentences = v });
            Add<int>("--epochs", "Epochs.", (t, v) => t with { Epochs = v });
            Add<double>("--cooldown", "The share of the epochs at the end over which the learning rate falls linearly to zero, rounded to whole epochs, at least one, never all (0 = Noam throughout; 0.33 = the last third); with --max-minutes, a host too slow for --epochs trains the epochs that fit.",
                (t, v) => t with { Cooldown = v });
            Add<double>("--max-minutes", "Wall-clock budget for the run (0 = none).", (t, v) => t with { MaxMinutes = v });
            Add<int>("--patience", "Early stopping after this many epochs without a better validation score (--select-by; 0 = off).", (t, v) => t with { Patience = v });
            Add<string>("--select-by", "What picks the best checkpoint and the final model: bleu (validation BLEU) or nll (validation NLL per token; chat presets).",
                (t, v) => t with { SelectBy = ParseSelection(v) });
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
            Add<string>("--max-memory", "Refuse a run whose estimated memory exceeds this, e.g. 8G (default: 75% of this machine's memory).",
                (t, v) => t with { MaxMemory = MemoryLimit.Parse(v, nameof(TrainingOptions.MaxMemory)) });
            Add<int>("--max-nonfinite-steps", "Stop after this many steps in a row with a non-finite loss or gradient (each is skipped).",
                (t, v) => t with { MaxNonFiniteSteps = v });
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

        private static ModelSelection ParseSelection(string v) => v.ToLowerInvariant() switch
        {
            "bleu" => ModelSelection.Bleu,
            "nll" => ModelSelection.Nll,
            _ => throw new UserInputException($"--select-by: expected bleu or nll, got '{v}'"),
        };

        private static ModelTask ParseTask(string v) => v.ToLowerInvariant() switch
        {
            "translation" => ModelTask.Translation,
            "chat" => ModelTask.Chat,
            _ => throw new UserInputException($"--task: expected translation or chat, got '{v}'"),
        };

        private void AddTransformer<T>(string name, string description, Func<TransformerConfig, T, TransformerConfig> set) =>
            Add<T>(name, description, (t, v) => t with
            {
                Model = t.Model is TransformerConfig m ? set(m, v) : throw new UserInputException($"{name}: applies to the transformer, not to {t.Model.Architecture}"),
            });

        private void AddRnn<T>(string name, string description, Func<RnnConfig, T, RnnConfig> set) =>
            Add<T>(name, description, (t, v) => t with
            {
                Model = t.Model is RnnConfig m ? set(m, v) : throw new UserInputException($"{name}: applies to the RNN architectures, not to {t.Model.Architecture} (choose one with --arch)"),
            });

        /// <summary>The model for --arch: unchanged, the same RNN sizes with another attention, or the other family's defaults.</summary>
        private static ModelConfig SwitchArchitecture(ModelConfig current, string architecture)
        {
            if (!ModelConfig.Architectures.Contains(architecture))
                throw new UserInputException($"--arch: unknown architecture '{architecture}' (known: {string.Join(", ", ModelConfig.Architectures)})");
            if (current.Architecture == architecture) return current;
            if (current is RnnConfig rnn && RnnConfig.ArchitectureNames.Contains(architecture)) return rnn with { Attention = RnnConfig.AttentionOf(architecture) };
            return ModelConfig.Default(architecture);
        }

        private static RecurrentCellKind ParseCell(string v) => v.Trim().ToLowerInvariant() switch
        {
            "gru" => RecurrentCellKind.Gru,
            "lstm" => RecurrentCellKind.Lstm,
            "rnn" => RecurrentCellKind.Rnn,
            _ => throw new UserInputException($"--cell: expected gru, lstm or rnn, got '{v}'"),
        };

        private static Activation ParseActivation(string v) => v.ToLowerInvariant() switch
        {
            "relu" => Activation.Relu,
            "gelu" => Activation.Gelu,
            _ => throw new UserInputException($"--activation: expected relu or gelu, got '{v}'"),
        };
    }
}
