using System.Text;
using System.Text.Json;

namespace Sharpformer.Training;

/// <summary>
/// The records of a JSON-lines file: one object per line. <see cref="TornLastLine"/> tells that the
/// last line was cut off by an interrupted append and left out; <see cref="SkippedLines"/> lists other
/// lines that are not JSON objects (1-based), e.g. a torn line a later append wrote after.
/// </summary>
public sealed record JsonLinesFile(string Path, IReadOnlyList<JsonElement> Records, bool TornLastLine, IReadOnlyList<int> SkippedLines)
{
    /// <summary>One line about what was left out, or null when every line was read.</summary>
    public string? Note => !TornLastLine && SkippedLines.Count == 0 ? null
        : $"{Path}: " + string.Join("; ", new[]
        {
            TornLastLine ? "left out a torn last line (an interrupted write)" : null,
            SkippedLines.Count > 0 ? $"skipped {SkippedLines.Count} unreadable line(s): {string.Join(", ", SkippedLines.Take(5))}" : null,
        }.Where(s => s != null));
}

/// <summary>One logging interval of metrics.jsonl.</summary>
public sealed record StepPoint(long Step, int Epoch, double Loss, double LearningRate, double TargetTokensPerSecond, double ElapsedSeconds,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>>? AttentionGradNorms);

/// <summary>A run's history from metrics.jsonl: logging intervals and validations, each once per step, in step order.</summary>
public sealed record TrainingHistory(IReadOnlyList<StepPoint> Steps, IReadOnlyList<ValidationRecord> Validations, JsonLinesFile Source);

/// <summary>One record of watch.jsonl: the watched sentence's attention maps at one moment of training.</summary>
public sealed record WatchRecord(int Epoch, long Step, double ElapsedSeconds, bool TeacherForced,
    string[] SourceTokens, string[] TargetTokens, string Translation,
    float[][][][] EncoderSelf, float[][][][] DecoderSelf, float[][][][] Cross);

/// <summary>Reads the logs a training run appends to (metrics.jsonl, watch.jsonl), tolerating what a crash leaves.</summary>
public static class RunLogs
{
    /// <summary>Every JSON object of a JSON-lines file; a torn last line is left out, other bad lines are listed.</summary>
    public static JsonLinesFile ReadJsonLines(string path)
    {
        if (!File.Exists(path)) throw new UserInputException($"{path}: not found");
        string text = File.ReadAllText(path, new UTF8Encoding(false, throwOnInvalidBytes: false));
        var lines = text.Split('\n');
        var records = new List<JsonElement>();
        var skipped = new List<int>();
        bool torn = false;
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Length == 0) continue;
            bool last = i == lines.Length - 1;     // no newline after it: the append may have been cut off
            if (TryParseObject(line) is { } record) records.Add(record);
            else if (last) torn = true;
            else skipped.Add(i + 1);
        }
        return new JsonLinesFile(path, records, torn, skipped);
    }

    /// <summary>metrics.jsonl of <paramref name="run"/>; a step logged twice (a resumed run repeats what followed its checkpoint) counts once, the later line.</summary>
    public static TrainingHistory ReadMetrics(RunDirectory run)
    {
        var file = ReadJsonLines(run.MetricsPath);
        var steps = new SortedDictionary<long, StepPoint>();
        var validations = new SortedDictionary<long, ValidationRecord>();
        foreach (var r in file.Records)
        {
            if (r.TryGetProperty("valid_bleu", out _))
            {
                var v = r.Deserialize<ValidationRecord>(Model.ModelFile.JsonOptions)!;
                validations[v.Step] = v;
            }
            else if (r.TryGetProperty("loss", out _) && r.TryGetProperty("step", out _))
            {
                var norms = r.TryGetProperty("attention_grad_norms", out var g)
                    ? g.Deserialize<Dictionary<string, Dictionary<string, double>>>()!
                        .ToDictionary(kv => kv.Key, kv => (IReadOnlyDictionary<string, double>)kv.Value)
                    : null;
                var p = new StepPoint(Long(r, "step"), (int)Long(r, "epoch"), Number(r, "loss"), Number(r, "learning_rate"),
                    Number(r, "target_tokens_per_second"), Number(r, "elapsed_seconds"), norms);
                steps[p.Step] = p;
            }
        }
        return new TrainingHistory(steps.Values.ToArray(), validations.Values.ToArray(), file);
    }

    /// <summary>watch.jsonl of <paramref name="run"/>, one record per step (the later of repeats), in step order.</summary>
    public static (IReadOnlyList<WatchRecord> Records, JsonLinesFile Source) ReadWatch(RunDirectory run)
    {
        if (!File.Exists(run.WatchPath))
            throw new UserInputException($"{run.WatchPath}: not found (runs record attention while training since this version; train again to get it)");
        var file = ReadJsonLines(run.WatchPath);
        var byStep = new SortedDictionary<long, WatchRecord>();
        foreach (var r in file.Records)
        {
            try
            {
                var w = r.Deserialize<WatchRecord>(Model.ModelFile.JsonOptions) ?? throw new JsonException("null record");
                if (w.SourceTokens == null || w.TargetTokens == null || w.Cross == null) throw new JsonException("a record lacks its tokens or maps");
                byStep[w.Step] = w with { EncoderSelf = w.EncoderSelf ?? [], DecoderSelf = w.DecoderSelf ?? [] };
            }
            catch (JsonException e) { throw new UserInputException($"{run.WatchPath}: invalid record ({e.Message})"); }
        }
        return (byStep.Values.ToArray(), file);
    }

    private static JsonElement? TryParseObject(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.ValueKind == JsonValueKind.Object ? doc.RootElement.Clone() : null;
        }
        catch (JsonException) { return null; }
    }

    private static double Number(JsonElement r, string name) =>
        r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.NaN;

    private static long Long(JsonElement r, string name) =>
        r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long x) ? x : 0;
}
