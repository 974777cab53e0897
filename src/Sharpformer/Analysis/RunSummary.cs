using System.Text.Json;
using Sharpformer.Training;

namespace Sharpformer.Analysis;

/// <summary>
/// The speed and quality figures of one training run, read from its metrics.jsonl, for comparing runs side by side.
/// </summary>
/// <param name="Name">How the run is labelled (its folder name unless given).</param>
/// <param name="Architecture">The model's architecture from run.json (null when unknown).</param>
/// <param name="Epochs">Validations recorded (one per finished epoch).</param>
/// <param name="Steps">Optimizer steps of the last record.</param>
/// <param name="Minutes">Wall-clock minutes of the last record, since the run began (tokenizer, validations and resumed sessions included).</param>
/// <param name="EpochSeconds">Median wall-clock seconds between consecutive validations: an epoch of training plus its
/// validation. The first epoch is left out (it also holds the tokenizer and start-up) unless it is the only one.</param>
/// <param name="TargetTokensPerSecond">Median over the logging intervals of the target tokens trained per second.</param>
/// <param name="BestValidBleu">The highest validation BLEU, at epoch <paramref name="BestEpoch"/>.</param>
/// <param name="LastValidBleu">The last validation BLEU.</param>
/// <param name="FinalValidBleu">The validation BLEU of the final model (e.g. the average of the last checkpoints), when the run finished.</param>
/// <param name="FinalModel">Which weights became the final model ("best", "average of 5"), when the run finished.</param>
public sealed record RunSummary(string Name, string? Architecture, int Epochs, long Steps, double Minutes, double EpochSeconds,
    double TargetTokensPerSecond, double BestValidBleu, int BestEpoch, double LastValidBleu, double? FinalValidBleu, string? FinalModel)
{
    /// <summary>The summary of a history read by <see cref="RunLogs.ReadMetrics"/>.</summary>
    public static RunSummary Of(string name, TrainingHistory history, string? architecture)
    {
        var valid = history.Validations;
        var epochTimes = valid.Zip(valid.Skip(1), (a, b) => b.ElapsedSeconds - a.ElapsedSeconds).ToList();
        double epochSeconds = epochTimes.Count > 0 ? Median(epochTimes) : valid.Count == 1 ? valid[0].ElapsedSeconds : double.NaN;
        var throughput = history.Steps.Select(s => s.TargetTokensPerSecond).Where(double.IsFinite).ToList();
        double? finalBleu = null;
        string? finalModel = null;
        double finalSeconds = 0;
        foreach (var record in history.Source.Records)
            if (record.TryGetProperty("final_valid_bleu", out var bleu) && bleu.ValueKind == JsonValueKind.Number)
            {
                finalBleu = bleu.GetDouble();
                finalModel = record.TryGetProperty("final_model", out var kind) && kind.ValueKind == JsonValueKind.String ? kind.GetString() : null;
                finalSeconds = record.TryGetProperty("elapsed_seconds", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetDouble() : 0;
            }
        var best = valid.Count == 0 ? null : valid.MaxBy(v => v.ValidBleu);
        double seconds = history.Steps.Select(s => s.ElapsedSeconds).Concat(valid.Select(v => v.ElapsedSeconds)).Append(finalSeconds).Where(double.IsFinite).Max();
        long steps = Math.Max(history.Steps.Count == 0 ? 0 : history.Steps[^1].Step, valid.Count == 0 ? 0 : valid[^1].Step);
        return new RunSummary(name, architecture, valid.Count, steps, seconds / 60, epochSeconds, throughput.Count == 0 ? double.NaN : Median(throughput),
            best?.ValidBleu ?? double.NaN, best?.Epoch ?? 0, valid.Count == 0 ? double.NaN : valid[^1].ValidBleu, finalBleu, finalModel);
    }

    /// <summary>The summary of the run in <paramref name="run"/>, named <paramref name="name"/> (default: the folder's name).</summary>
    public static RunSummary Of(RunDirectory run, string? name = null)
    {
        string? architecture = null;
        if (run.HasOptions)
            try { architecture = run.LoadOptions().Model.Architecture; }
            catch (UserInputException) { }   // a run.json this version cannot read still has its metrics
        return Of(name ?? Path.GetFileName(run.Root), RunLogs.ReadMetrics(run), architecture);
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
    }
}
