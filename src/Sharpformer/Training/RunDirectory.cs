using System.Text.Json;
using Sharpformer.Model;
using Sharpformer.Text;

namespace Sharpformer.Training;

/// <summary>
/// The files of one training run:
/// <code>
/// run.json              the training options (to resume with the same recipe)
/// tokenizer/            the subword vocabulary (SentencePiece .model)
/// checkpoints/step-N/   weights, Adam moments and training state; "latest" names the newest
/// best.safetensors      the weights with the best validation BLEU so far
/// model.safetensors     the final model (averaged or best) that translate and evaluate load
/// metrics.jsonl         one JSON line per log interval and per validation
/// </code>
/// </summary>
public sealed class RunDirectory
{
    public RunDirectory(string path) => Root = Path.GetFullPath(path);

    public string Root { get; }
    public string OptionsPath => Path.Combine(Root, "run.json");
    public string TokenizerDir => Path.Combine(Root, "tokenizer");
    public string CheckpointsDir => Path.Combine(Root, "checkpoints");
    public string BestModelPath => Path.Combine(Root, "best.safetensors");
    public string FinalModelPath => Path.Combine(Root, "model.safetensors");
    public string MetricsPath => Path.Combine(Root, "metrics.jsonl");
    private string LatestPointer => Path.Combine(CheckpointsDir, "latest");

    public bool HasOptions => File.Exists(OptionsPath);

    public void SaveOptions(TrainingOptions options)
    {
        Directory.CreateDirectory(Root);
        WriteAtomically(OptionsPath, JsonSerializer.Serialize(options, ModelFile.JsonOptions));
    }

    public TrainingOptions LoadOptions()
    {
        try
        {
            return JsonSerializer.Deserialize<TrainingOptions>(File.ReadAllText(OptionsPath), ModelFile.JsonOptions)
                ?? throw new UserInputException($"{OptionsPath}: empty run options");
        }
        catch (FileNotFoundException) { throw new UserInputException($"{OptionsPath}: not found (is {Root} a training run?)"); }
        catch (JsonException e) { throw new UserInputException($"{OptionsPath}: invalid run options ({e.Message})"); }
    }

    /// <summary>
    /// A scheduled checkpoint (epoch end, step interval, end of the time budget) is "step-N"; one saved
    /// only because the run was interrupted is "step-N-resume": it is used to resume but never
    /// averaged, so an interrupted run ends exactly like an uninterrupted one.
    /// </summary>
    public string CheckpointPath(long step, bool resumeOnly = false) =>
        Path.Combine(CheckpointsDir, $"step-{step:D8}" + (resumeOnly ? ResumeSuffix : ""));

    private const string ResumeSuffix = "-resume";

    /// <summary>The newest checkpoint directory, or null when none was written.</summary>
    public string? LatestCheckpoint()
    {
        if (!File.Exists(LatestPointer)) return null;
        string dir = Path.Combine(CheckpointsDir, File.ReadAllText(LatestPointer).Trim());
        return Directory.Exists(dir) ? dir : null;
    }

    /// <summary>Scheduled checkpoint directories, oldest first (the ones averaging may use).</summary>
    public IReadOnlyList<string> Checkpoints() => AllCheckpoints().Where(d => !d.EndsWith(ResumeSuffix, StringComparison.Ordinal)).ToList();

    private List<string> AllCheckpoints() =>
        Directory.Exists(CheckpointsDir)
            ? Directory.GetDirectories(CheckpointsDir, "step-*").Order(StringComparer.Ordinal).ToList()
            : [];

    public void SetLatest(string checkpointDir) => WriteAtomically(LatestPointer, Path.GetFileName(checkpointDir));

    /// <summary>Deletes scheduled checkpoints beyond the newest <paramref name="keep"/>, and resume-only ones other than the latest.</summary>
    public void Prune(int keep)
    {
        string? latest = LatestCheckpoint();
        var scheduled = Checkpoints();
        var stale = scheduled.Take(Math.Max(0, scheduled.Count - keep))
            .Concat(AllCheckpoints().Where(d => d.EndsWith(ResumeSuffix, StringComparison.Ordinal)));
        foreach (var dir in stale)
            if (dir != latest) Directory.Delete(dir, recursive: true);
    }

    /// <summary>The model a user means by this directory: the final model, else the best, else the latest checkpoint's.</summary>
    public string ModelPathForInference()
    {
        if (File.Exists(FinalModelPath)) return FinalModelPath;
        if (File.Exists(BestModelPath)) return BestModelPath;
        if (LatestCheckpoint() is { } latest) return Path.Combine(latest, Checkpoint.ModelFileName);
        throw new UserInputException($"{Root}: no model found (expected model.safetensors, best.safetensors or a checkpoint)");
    }

    public SubwordTokenizer LoadTokenizer() => SubwordTokenizer.Load(TokenizerDir);

    public void AppendMetrics(object record) =>
        File.AppendAllText(MetricsPath, JsonSerializer.Serialize(record, CompactJson) + "\n");

    private static readonly JsonSerializerOptions CompactJson = new(ModelFile.JsonOptions) { WriteIndented = false };

    public static void WriteAtomically(string path, string text)
    {
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }
}
