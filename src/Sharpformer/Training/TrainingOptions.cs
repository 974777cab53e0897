using Sharpformer.Model;

namespace Sharpformer.Training;

/// <summary>What a model is for: it maps a source sentence to its translation, or a message to an answer.</summary>
public enum ModelTask { Translation, Chat }

/// <summary>
/// What picks the best checkpoint, early stopping and averaged-versus-best: validation BLEU (higher is better), or
/// validation NLL per token (lower is better) where BLEU says little, as for open-domain chat answers.
/// </summary>
public enum ModelSelection { Bleu, Nll }

/// <summary>Everything a training run needs: data, vocabulary, model, optimisation, schedule of checkpoints.</summary>
public sealed record TrainingOptions
{
    /// <summary>Translation or chat: the same training, but the apps label and present the output by it.</summary>
    public ModelTask Task { get; init; } = ModelTask.Translation;

    // Data: line-aligned parallel text files (UTF-8, one sentence per line), or, when Columns is set,
    // CSV/TSV files holding both sides (the *Target paths are then unused).
    public required string TrainSource { get; init; }
    public string? TrainTarget { get; init; }
    public required string ValidSource { get; init; }
    public string? ValidTarget { get; init; }

    /// <summary>Optional held-out test set, translated and scored when training ends.</summary>
    public string? TestSource { get; init; }
    public string? TestTarget { get; init; }

    /// <summary>"SRC,TGT": read pairs from these columns (header names or 0-based indices) of CSV/TSV files.</summary>
    public string? Columns { get; init; }

    /// <summary>Reads one split: two aligned text files, or two columns of one delimited file.</summary>
    public Text.ParallelCorpus ReadCorpus(string source, string? target, string split)
    {
        if (Columns == null)
            return Text.ParallelCorpus.ReadTextFiles(source, target ?? throw UserInputException.ForField(
                char.ToUpperInvariant(split[0]) + split[1..] + "Target", "missing (or set Columns to read pairs from one CSV/TSV file)"));
        var parts = Columns.Split(',');
        if (parts.Length != 2 || parts.Any(string.IsNullOrWhiteSpace))
            throw UserInputException.ForField(nameof(Columns), $"expected SRC,TGT (header names or 0-based indices), got '{Columns}'");
        return Text.ParallelCorpus.ReadDelimited(source, Text.ColumnRef.Parse(parts[0].Trim()), Text.ColumnRef.Parse(parts[1].Trim()));
    }

    /// <summary>Joint subword vocabulary size (trained on the training text of both sides).</summary>
    public int VocabSize { get; init; } = 8000;

    /// <summary>Training pairs with more subword tokens than this on either side are skipped.</summary>
    public int MaxLength { get; init; } = 128;

    /// <summary>
    /// The model: a <see cref="TransformerConfig"/> or an <see cref="RnnConfig"/> (its architecture is named in
    /// run.json); its vocabulary size and special ids are filled in from the tokenizer.
    /// </summary>
    public ModelConfig Model { get; init; } = new TransformerConfig();

    public OptimizerSettings Optimizer { get; init; } = new();

    /// <summary>Budget per batch in padded tokens (sentences × longest side).</summary>
    public int BatchTokens { get; init; } = 2048;

    /// <summary>Upper bound on sentences per batch (0 = none).</summary>
    public int BatchSentences { get; init; }

    public int Epochs { get; init; } = 20;

    /// <summary>
    /// The share of the epochs, at the end of the run, that bring the learning rate linearly down to zero, reached at
    /// the end of the last epoch (0 = the paper's schedule throughout; 1/3 = the last third). It is rounded to whole
    /// epochs, at least one and never all (<see cref="EpochBudget.CooldownEpochs"/>), so it follows any epoch count.
    /// With a time budget (<see cref="MaxMinutes"/>), a host too slow for all the epochs trains fewer, so that the
    /// cool-down still ends inside the budget (<see cref="EpochBudget.Fit"/>).
    /// </summary>
    public double Cooldown { get; init; }

    /// <summary>Wall-clock budget in minutes for the whole run, tokenizer included (0 = none).</summary>
    public double MaxMinutes { get; init; }

    /// <summary>Stop after this many validations without a better validation score (<see cref="SelectBy"/>; 0 = never).</summary>
    public int Patience { get; init; }

    /// <summary>The validation score that picks the best checkpoint and the final model.</summary>
    public ModelSelection SelectBy { get; init; } = ModelSelection.Bleu;

    /// <summary>Save a checkpoint every this many steps, besides the end of each epoch (0 = only per epoch).</summary>
    public int CheckpointEverySteps { get; init; }

    /// <summary>Average the weights of the last N checkpoints into the final model (1 = no averaging).</summary>
    public int AverageLast { get; init; } = 5;

    /// <summary>Checkpoints kept on disk (at least <see cref="AverageLast"/>).</summary>
    public int KeepCheckpoints { get; init; } = 5;

    /// <summary>Decoding used for the validation BLEU of each epoch.</summary>
    public int ValidBeam { get; init; } = 1;
    public double ValidLengthPenalty { get; init; } = 0.6;

    /// <summary>Decoding used for the final test score (beam search pays off once, not every epoch).</summary>
    public int TestBeam { get; init; } = 1;
    public double TestLengthPenalty { get; init; } = 0.6;

    /// <summary>No n-gram of this size twice in a test output (0 = off); like the beam, also the model's default decoding.</summary>
    public int TestNoRepeatNGram { get; init; }

    public int Seed { get; init; } = 1;

    /// <summary>Threads for the kernels (0 = all cores).</summary>
    public int Threads { get; init; }

    /// <summary>Steps between progress reports.</summary>
    public int LogEvery { get; init; } = 20;

    /// <summary>
    /// The sentence whose attention maps are recorded at every validation into watch.jsonl
    /// (<see cref="AttentionRecorder"/>; null: the first short validation pair).
    /// </summary>
    public string? WatchSource { get; init; }

    /// <summary>Its reference, fed to the decoder so every record has the same tokens (null: the model's greedy output).</summary>
    public string? WatchTarget { get; init; }

    /// <summary>Memory the run may need, in bytes, checked against an estimate before anything is allocated (0 = 75 % of this machine's).</summary>
    public long MaxMemory { get; init; }

    /// <summary>Steps in a row with a non-finite loss or gradient (each skipped) after which training stops.</summary>
    public int MaxNonFiniteSteps { get; init; } = 10;
}
