using System.Text.Json;
using Sharpformer.Model;
using Sharpformer.Text;

namespace Sharpformer.Training;

/// <summary>
/// Checks every field of <see cref="TrainingOptions"/> — ranges, divisibility, the model config, agreement of
/// the lengths with a learned position table, and the memory the run would need against
/// <see cref="TrainingOptions.MaxMemory"/> — before the trainer reads a file, writes one, or allocates a model.
/// An error names its field (e.g. "Model.Heads", "BatchTokens", "MaxMemory") and says what is wrong.
/// </summary>
public static class OptionsCheck
{
    /// <summary>Returns <paramref name="o"/> when every field is valid; otherwise throws for the first bad one.</summary>
    /// <exception cref="UserInputException">With <see cref="UserInputException.Field"/> set to the field's path.</exception>
    public static TrainingOptions Validate(TrainingOptions o)
    {
        foreach (var (field, problem) in Problems(o)) throw UserInputException.ForField(field, problem);
        CheckMemory(o);
        return o;
    }

    /// <summary>
    /// The field checks of <see cref="Validate"/> (not the memory estimate: a run is read on other machines too, to
    /// translate) for options read from <paramref name="origin"/> (run.json); the message names the file and the JSON key.
    /// </summary>
    public static TrainingOptions CheckFields(TrainingOptions o, string origin)
    {
        foreach (var (field, problem) in Problems(o))
            throw new UserInputException($"{origin}: {string.Join('.', field.Split('.').Select(JsonNamingPolicy.SnakeCaseLower.ConvertName))}: {problem}");
        return o;
    }

    private static IEnumerable<(string Field, string Problem)> Problems(TrainingOptions o)
    {
        if (!Enum.IsDefined(o.Task)) yield return (nameof(o.Task), $"unknown task {o.Task}");
        if (string.IsNullOrWhiteSpace(o.TrainSource)) yield return (nameof(o.TrainSource), "no training source file given");
        if (string.IsNullOrWhiteSpace(o.ValidSource)) yield return (nameof(o.ValidSource), "no validation source file given");
        if (o.VocabSize <= BpeTrainer.ReservedCount)
            yield return (nameof(o.VocabSize), $"must be more than the {BpeTrainer.ReservedCount} reserved pieces (4 specials, 256 bytes), got {o.VocabSize}");
        if (o.MaxLength < 1) yield return (nameof(o.MaxLength), $"must be at least 1 token, got {o.MaxLength}");

        // the vocabulary and special ids come from the tokenizer; the rest of the config is the user's
        if (o.Model is null) { yield return (nameof(o.Model), "no model config given"); yield break; }
        var model = TrainingModel(o);
        foreach (var (field, problem) in model.Problems()) yield return ("Model." + field, problem);
        if (model is TransformerConfig { Positions: PositionEncodingKind.Learned } t && o.MaxLength >= t.MaxPositions)
            yield return (nameof(o.MaxLength), $"{o.MaxLength} tokens plus BOS/EOS do not fit the {t.MaxPositions} learned positions (Model.MaxPositions)");

        var opt = o.Optimizer;
        if (!(opt.LabelSmoothing >= 0 && opt.LabelSmoothing < 1)) yield return ("Optimizer.LabelSmoothing", $"must be in [0, 1), got {opt.LabelSmoothing}");
        if (!(double.IsFinite(opt.LrFactor) && opt.LrFactor > 0)) yield return ("Optimizer.LrFactor", $"must be a positive number, got {opt.LrFactor}");
        if (opt.Warmup < 1) yield return ("Optimizer.Warmup", $"must be at least 1 step (the schedule divides by it), got {opt.Warmup}");
        if (!(opt.Beta1 >= 0 && opt.Beta1 < 1)) yield return ("Optimizer.Beta1", $"must be in [0, 1), got {opt.Beta1}");
        if (!(opt.Beta2 >= 0 && opt.Beta2 < 1)) yield return ("Optimizer.Beta2", $"must be in [0, 1), got {opt.Beta2}");
        if (!(double.IsFinite(opt.AdamEps) && opt.AdamEps > 0)) yield return ("Optimizer.AdamEps", $"must be a positive number, got {opt.AdamEps}");
        if (!(float.IsFinite(opt.ClipNorm) && opt.ClipNorm >= 0)) yield return ("Optimizer.ClipNorm", $"must be 0 (off) or a positive number, got {opt.ClipNorm}");

        if (o.BatchTokens < 1) yield return (nameof(o.BatchTokens), $"must be at least 1, got {o.BatchTokens}");
        if (o.BatchSentences < 0) yield return (nameof(o.BatchSentences), $"must be 0 (no limit) or positive, got {o.BatchSentences}");
        if (o.Epochs < 1) yield return (nameof(o.Epochs), $"must be at least 1, got {o.Epochs}");
        if (!(o.Cooldown >= 0 && o.Cooldown < 1)) yield return (nameof(o.Cooldown), $"must be a share of the epochs in [0, 1) (0 = no cool-down), got {o.Cooldown}");
        if (!(double.IsFinite(o.MaxMinutes) && o.MaxMinutes >= 0)) yield return (nameof(o.MaxMinutes), $"must be 0 (no limit) or a positive number, got {o.MaxMinutes}");
        if (o.Patience < 0) yield return (nameof(o.Patience), $"must be 0 (never stop early) or positive, got {o.Patience}");
        if (o.CheckpointEverySteps < 0) yield return (nameof(o.CheckpointEverySteps), $"must be 0 (per epoch only) or positive, got {o.CheckpointEverySteps}");
        if (o.AverageLast < 1) yield return (nameof(o.AverageLast), $"must be at least 1 (1 = no averaging), got {o.AverageLast}");
        if (o.KeepCheckpoints < 1) yield return (nameof(o.KeepCheckpoints), $"must be at least 1, got {o.KeepCheckpoints}");
        foreach (var (field, beam) in new[] { (nameof(o.ValidBeam), o.ValidBeam), (nameof(o.TestBeam), o.TestBeam) })
            if (beam < 1) yield return (field, $"must be at least 1 (1 = greedy), got {beam}");
        foreach (var (field, alpha) in new[] { (nameof(o.ValidLengthPenalty), o.ValidLengthPenalty), (nameof(o.TestLengthPenalty), o.TestLengthPenalty) })
            if (!double.IsFinite(alpha)) yield return (field, $"must be a finite number, got {alpha}");
        if (o.Threads is < 0 or > 4096) yield return (nameof(o.Threads), $"must be 0 (all cores) or between 1 and 4096, got {o.Threads}");
        if (o.LogEvery < 1) yield return (nameof(o.LogEvery), $"must be at least 1 step, got {o.LogEvery}");
        if (o.MaxMemory < 0) yield return (nameof(o.MaxMemory), $"must be 0 (75 % of this machine's memory) or a positive number of bytes, got {o.MaxMemory}");
        if (o.MaxNonFiniteSteps < 1) yield return (nameof(o.MaxNonFiniteSteps), $"must be at least 1, got {o.MaxNonFiniteSteps}");
    }

    private static void CheckMemory(TrainingOptions o)
    {
        var estimate = ResourceEstimate.ForTraining(o);
        long limit = MemoryLimit.Resolve(o.MaxMemory);
        var size = TrainingModel(o).Size();
        if (estimate.TotalBytes > limit)
            throw UserInputException.ForField(nameof(o.MaxMemory), $"training needs {estimate.Describe()}, more than the limit of {MemoryLimit.Format(limit)}; "
                + $"make the model ({size.Describe()}) or the batches smaller, or raise the limit");
        var (name, elements, field) = size.LargestTensor;
        if (elements > Array.MaxLength)
            throw UserInputException.ForField(field, $"{name} would hold {elements:G3} values, more than one array can ({Array.MaxLength:N0})");
    }

    // The config the trainer will build: the user's, with the tokenizer's vocabulary and special ids.
    private static ModelConfig TrainingModel(TrainingOptions o) =>
        o.Model.WithTokens(new TokenSpec(Math.Max(o.VocabSize, 3), SubwordTokenizer.PadId, SubwordTokenizer.BosId, SubwordTokenizer.EosId));
}
