using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sharpformer.IO;
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
/// metrics.jsonl         one JSON line per log interval and per validation (fields: docs/run-files.md)
/// watch.jsonl           the watched sentence's attention maps at every validation (docs/run-files.md)
/// </code>
/// Every file is replaced crash-safely (<see cref="DurableFile"/>); opening a run folder never changes it,
/// so translate/evaluate can read a run that is still training. The trainer, its only writer, calls
/// <see cref="CleanStale"/> at start to clear what a crash left behind.
/// </summary>
public sealed partial class RunDirectory
{
    public RunDirectory(string path) => Root = Path.GetFullPath(path);

    public string Root { get; }
    public string OptionsPath => Path.Combine(Root, "run.json");
    public string TokenizerDir => Path.Combine(Root, "tokenizer");
    public string CheckpointsDir => Path.Combine(Root, "checkpoints");
    public string BestModelPath => Path.Combine(Root, "best.safetensors");
    public string FinalModelPath => Path.Combine(Root, "model.safetensors");
    public string MetricsPath => Path.Combine(Root, "metrics.jsonl");
    public string WatchPath => Path.Combine(Root, "watch.jsonl");
    private string LatestPointer => Path.Combine(CheckpointsDir, "latest");

    /// <summary>True when run.json is there; an error naming it when something other than a regular file is in its place.</summary>
    public bool HasOptions => RegularFile.Exists(OptionsPath, "run options file");

    public void SaveOptions(TrainingOptions options)
    {
        Directory.CreateDirectory(Root);
        WriteAtomically(OptionsPath, JsonSerializer.Serialize(options, ModelFile.JsonOptions));
    }

    private const long MaxOptionsBytes = 16 << 20;

    /// <summary>The run's options from run.json, checked like options given anew (<see cref="OptionsCheck"/>); every error names the file.</summary>
    public TrainingOptions LoadOptions()
    {
        try
        {
            if (!HasOptions) throw new UserInputException($"{OptionsPath}: not found (is {Root} a training run?)");
            var options = JsonSerializer.Deserialize<TrainingOptions>(RegularFile.ReadAllBytes(OptionsPath, MaxOptionsBytes, "run options file"), ModelFile.JsonOptions)
                ?? throw new UserInputException($"{OptionsPath}: empty run options");
            return OptionsCheck.CheckFields(options, OptionsPath);
        }
        catch (JsonException e) { throw new UserInputException($"{OptionsPath}: invalid run options ({e.Message.ReplaceLineEndings(" ")})"); }
    }

    /// <summary>
    /// A scheduled checkpoint (epoch end, step interval, end of the time budget) is "step-N"; one saved
    /// only because the run was interrupted is "step-N-resume": it is used to resume but never
    /// averaged, so an interrupted run ends exactly like an uninterrupted one.
    /// </summary>
    public string CheckpointPath(long step, bool resumeOnly = false) =>
        Path.Combine(CheckpointsDir, $"step-{step:D8}" + (resumeOnly ? ResumeSuffix : ""));

    private const string ResumeSuffix = "-resume";

    [GeneratedRegex(@"^step-(\d{1,18})(-resume)?$")]
    private static partial Regex CheckpointName();

    /// <summary>The checkpoint to resume from (null when there is none), and one line saying which and why.</summary>
    public sealed record CheckpointChoice(string? Path, string Message);

    /// <summary>
    /// The newest intact checkpoint: the one checkpoints/latest names, if that is a checkpoint folder of this run
    /// whose checksums verify; otherwise the first that verifies scanning newest step first (a scheduled one
    /// before a resume-only one of the same step). Checkpoints saved before checksums existed are accepted as
    /// unverified. Reads only: verifying hashes the files, so call it once per decision.
    /// </summary>
    public CheckpointChoice ChooseResumeCheckpoint()
    {
        var skipped = new List<string>();
        string? named = ReadLatestPointer(skipped);
        if (named != null)
        {
            var check = CheckpointManifest.Verify(named);
            if (check.Usable) return new(named, $"Resuming from {Path.GetFileName(named)}, named by {LatestPointer} ({check.Detail}).");
            skipped.Add($"{LatestPointer} names {Path.GetFileName(named)}, which {check.Detail}");
        }
        foreach (string dir in AllCheckpoints().OrderByDescending(StepOf).ThenBy(IsResumeOnly))
        {
            if (dir == named) continue;
            var check = CheckpointManifest.Verify(dir);
            if (check.Usable)
                return new(dir, (skipped.Count > 0 ? string.Join("; ", skipped) + "; resuming" : "Resuming")
                    + $" from {Path.GetFileName(dir)}, the newest intact checkpoint ({check.Detail}).");
            skipped.Add($"{Path.GetFileName(dir)} {check.Detail}");
        }
        return new(null, skipped.Count == 0 ? $"No checkpoint in {CheckpointsDir}." : $"No intact checkpoint in {CheckpointsDir}: {string.Join("; ", skipped)}.");
    }

    /// <summary>The checkpoint to resume from, or null: <see cref="ChooseResumeCheckpoint"/> without the explanation.</summary>
    public string? LatestCheckpoint() => ChooseResumeCheckpoint().Path;

    /// <summary>Scheduled checkpoint directories, oldest first (the ones averaging may use).</summary>
    public IReadOnlyList<string> Checkpoints() => AllCheckpoints().Where(d => !IsResumeOnly(d)).ToList();

    // Checkpoint folders of this run, oldest step first; temporary and foreign folders are not checkpoints.
    private List<string> AllCheckpoints() =>
        Directory.Exists(CheckpointsDir)
            ? Directory.GetDirectories(CheckpointsDir, "step-*").Where(d => CheckpointName().IsMatch(Path.GetFileName(d)))
                .OrderBy(StepOf).ThenBy(d => d, StringComparer.Ordinal).ToList()
            : [];

    private static long StepOf(string dir) => long.Parse(CheckpointName().Match(Path.GetFileName(dir)).Groups[1].ValueSpan);

    private static bool IsResumeOnly(string dir) => dir.EndsWith(ResumeSuffix, StringComparison.Ordinal);

    public void SetLatest(string checkpointDir)
    {
        string name = Path.GetFileName(checkpointDir);
        if (!CheckpointName().IsMatch(name) || Path.GetDirectoryName(Path.GetFullPath(checkpointDir)) != CheckpointsDir)
            throw new ArgumentException($"{checkpointDir} is not a checkpoint folder of {Root}.");
        WriteAtomically(LatestPointer, name);
    }

    // The folder checkpoints/latest names, if it is an existing checkpoint folder of this run; otherwise null, with the reason in skipped.
    private string? ReadLatestPointer(List<string> skipped)
    {
        var (kind, length) = NativeFile.Inspect(LatestPointer);
        if (kind == NativeFile.Kind.Missing)
        {
            if (AllCheckpoints().Count > 0) skipped.Add($"{LatestPointer} is missing");
            return null;
        }
        string? problem = kind != NativeFile.Kind.RegularFile ? "is not a regular file" : length > 256 ? $"is {length} bytes, too long for a checkpoint name" : null;
        string text = "";
        if (problem == null)
        {
            try { text = File.ReadAllText(LatestPointer, new UTF8Encoding(false, throwOnInvalidBytes: true)).Trim(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or DecoderFallbackException) { problem = "cannot be read as text"; }
        }
        problem ??= text.Length == 0 ? "is empty"
            : Path.IsPathRooted(text) ? $"holds an absolute path ({SafeTensorsLayout.Quote(text)}), not a checkpoint name"
            : !CheckpointName().IsMatch(text) ? $"holds {SafeTensorsLayout.Quote(text)}, not the name of a checkpoint folder of this run"
            : !Directory.Exists(Path.Combine(CheckpointsDir, text)) ? $"names {text}, which does not exist"
            : null;
        if (problem == null) return Path.Combine(CheckpointsDir, text);
        skipped.Add($"{LatestPointer} {problem}");
        return null;
    }

    /// <summary>
    /// Deletes scheduled checkpoints beyond the newest <paramref name="keep"/>, and resume-only ones other than
    /// the current one (the one "latest" names, else the newest intact). A checkpoint of a later step than the
    /// current one is never deleted: it may be the intact newest one that could not be followed, and is
    /// superseded only once a later checkpoint exists.
    /// </summary>
    public void Prune(int keep)
    {
        string? current = ReadLatestPointer([]) ?? ChooseResumeCheckpoint().Path;
        if (current == null) return;                                             // nothing known to be intact: delete nothing
        long currentStep = StepOf(current);
        var kept = Checkpoints().Where(d => StepOf(d) <= currentStep).TakeLast(keep).ToHashSet();
        foreach (var dir in AllCheckpoints().Where(d => d != current && StepOf(d) <= currentStep))
        {
            if (!IsResumeOnly(dir) && kept.Contains(dir)) continue;
            // renamed first, so a crash mid-delete leaves a temporary CleanStale removes, not a half checkpoint
            string doomed = Path.Combine(CheckpointsDir, $"{DurableFile.TempPrefix}pruned-{Path.GetFileName(dir)}-{Environment.ProcessId}");
            if (Directory.Exists(doomed)) Directory.Delete(doomed, recursive: true);   // left by a crash of a process with our id
            Directory.Move(dir, doomed);
            Directory.Delete(doomed, recursive: true);
        }
    }

    /// <summary>
    /// Clears what a crash left: temporary files and folders (".tmp-…", and the "….tmp" names of earlier versions)
    /// in the run folder, the checkpoints folder and each checkpoint; restores a checkpoint that was moved aside
    /// while being replaced; and cuts a torn last line off metrics.jsonl. Only the run's single writer may call
    /// it, before it writes anything. Returns one line per action.
    /// </summary>
    public IReadOnlyList<string> CleanStale()
    {
        var done = new List<string>();
        foreach (string dir in new[] { Root, CheckpointsDir }.Concat(AllCheckpoints()))
        {
            done.AddRange(DurableFile.CleanStale(dir));
            if (!Directory.Exists(dir)) continue;
            foreach (string legacy in Directory.GetFiles(dir, "*.tmp"))
            {
                File.Delete(legacy);
                done.Add($"{legacy}: removed, a temporary left by an interrupted write");
            }
        }
        foreach (string log in new[] { MetricsPath, WatchPath })
            if (CutTornLine(log) is { } cut) done.Add(cut);
        return done;
    }

    // A crash mid-append leaves a partial last line; keeping it would glue the next record onto it.
    private static string? CutTornLine(string path)
    {
        if (!File.Exists(path)) return null;
        using var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        long end = fs.Length, keep = end;
        var buffer = new byte[4096];
        while (keep > 0)
        {
            int n = (int)Math.Min(buffer.Length, keep);
            fs.Position = keep - n;
            fs.ReadExactly(buffer, 0, n);
            int newline = Array.LastIndexOf(buffer, (byte)'\n', n - 1, n);
            if (newline >= 0) { keep = keep - n + newline + 1; break; }
            keep -= n;
        }
        if (keep == end) return null;
        fs.SetLength(keep);
        fs.Flush(flushToDisk: true);
        return $"{path}: cut a torn last line of {end - keep} bytes left by an interrupted write";
    }

    /// <summary>The model a user means by this directory: the final model, else the best, else the latest intact checkpoint's.</summary>
    public string ModelPathForInference() => ChooseModelForInference().Path;

    public SubwordTokenizer LoadTokenizer() => SubwordTokenizer.Load(TokenizerDir);

    /// <summary>Appends one JSON line to metrics.jsonl (see <see cref="AppendJsonLine"/>).</summary>
    public void AppendMetrics(object record) => AppendJsonLine(MetricsPath, record);

    /// <summary>Appends one JSON line; if the file ends in a torn line (a crash, no <see cref="CleanStale"/>), the record starts a new one.</summary>
    public static void AppendJsonLine(string path, object record)
    {
        string line = JsonSerializer.Serialize(record, CompactJson) + "\n";
        try
        {
            using var fs = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite);
            bool torn = false;
            if (fs.Length > 0)
            {
                fs.Position = fs.Length - 1;
                torn = fs.ReadByte() != '\n';
            }
            fs.Position = fs.Length;
            fs.Write(Encoding.UTF8.GetBytes(torn ? "\n" + line : line));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // the file may end in a torn line now; the next CleanStale cuts it
            throw new UserInputException($"{path}: could not be appended to ({e.Message.ReplaceLineEndings(" ")})", e);
        }
    }

    private static readonly JsonSerializerOptions CompactJson = new(ModelFile.JsonOptions) { WriteIndented = false };

    /// <summary>
    /// Replaces a file crash-safely (<see cref="DurableFile"/>). The trainer also rewrites a checkpoint's
    /// state.json through here when a run finishes, so a checkpoint's checksum is refreshed with it; new code
    /// should call <see cref="Checkpoint.SaveState"/> for that.
    /// </summary>
    public static void WriteAtomically(string path, string text)
    {
        DurableFile.WriteAllText(path, text);
        if (Path.GetFileName(path) == Checkpoint.StateFileName) CheckpointManifest.Refresh(Path.GetDirectoryName(Path.GetFullPath(path))!, Checkpoint.StateFileName);
    }
}
