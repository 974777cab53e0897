using Sharpformer.IO;

namespace Sharpformer.Training;

public sealed partial class RunDirectory
{
    private static readonly string[] RunFiles = ["run.json", "metrics.jsonl", "watch.jsonl", "best.safetensors", "model.safetensors"];
    private static readonly string[] RunFolders = ["tokenizer", "checkpoints"];

    /// <summary>
    /// Checks, writing nothing that stays, that a run may be trained into this folder: it is new, empty, or a
    /// Sharpformer run (run.json) whose files are of the right kinds; a run that already has checkpoints or a
    /// final model is only continued with <paramref name="resume"/>; and the folder can be written. Anything
    /// else — someone's model.safetensors, a file where the folder or tokenizer/ should be — is a one-line
    /// error (field "OutputDirectory"), so nobody's files are overwritten and no time is spent first.
    /// </summary>
    public void CheckBeforeTraining(bool resume)
    {
        var (kind, _) = NativeFile.Inspect(Root);
        if (kind == NativeFile.Kind.RegularFile || kind == NativeFile.Kind.Other) throw OutputError($"{Root} is a file, not a folder");
        if (kind == NativeFile.Kind.Directory) CheckExistingRun(resume);
        ProbeWritable();
    }

    private void CheckExistingRun(bool resume)
    {
        var entries = Directory.GetFileSystemEntries(Root).Select(Path.GetFileName).Where(n => !n!.StartsWith(DurableFile.TempPrefix, StringComparison.Ordinal)).ToList();
        if (!entries.Contains("run.json"))
        {
            if (entries.Count > 0)
                throw OutputError($"{Root} holds files that are not a Sharpformer run ({string.Join(", ", entries.Order(StringComparer.Ordinal).Take(5))}"
                    + $"{(entries.Count > 5 ? $", +{entries.Count - 5} more" : "")}; no run.json); train into a new or empty folder");
            return;
        }
        foreach (string name in RunFiles)
            if (NativeFile.Inspect(Path.Combine(Root, name)).Kind is NativeFile.Kind.Directory or NativeFile.Kind.Other)
                throw OutputError($"{Path.Combine(Root, name)} is not a regular file; this folder is not a run Sharpformer can continue");
        foreach (string name in RunFolders)
            if (NativeFile.Inspect(Path.Combine(Root, name)).Kind is NativeFile.Kind.RegularFile or NativeFile.Kind.Other)
                throw OutputError($"{Path.Combine(Root, name)} is a file, not a folder; this folder is not a run Sharpformer can continue");
        if (resume) return;
        if (File.Exists(FinalModelPath)) throw OutputError($"{Root} already holds a trained model; resume it or train into another folder");
        if (AllCheckpoints() is { Count: > 0 } checkpoints)
            throw OutputError($"{Root} holds an unfinished run (checkpoints up to {Path.GetFileName(checkpoints[^1])}); resume it or train into another folder");
    }

    // Creates what is missing of the folder, writes and deletes a probe file, and removes the folders it created:
    // an unwritable --out is reported now, not after the tokenizer has been trained.
    private void ProbeWritable()
    {
        var created = new List<string>();
        for (string? dir = Root; dir != null && !Directory.Exists(dir); dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(dir)) throw OutputError($"{dir} is a file, so the folder {Root} cannot be created");
            created.Add(dir);
        }
        string probe = Path.Combine(Root, $"{DurableFile.TempPrefix}probe-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(Root);
            File.WriteAllBytes(probe, [0]);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw OutputError($"{Root} cannot be written ({e.Message.ReplaceLineEndings(" ")})");
        }
        finally
        {
            foreach (string dir in created) try { Directory.Delete(dir); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    private static UserInputException OutputError(string message) => UserInputException.ForField("OutputDirectory", message);

    /// <summary>The model a user means by this folder (as <see cref="ModelPathForInference"/>), with a line for stderr when it is not the final model.</summary>
    public (string Path, string? Notice) ChooseModelForInference()
    {
        var (kind, _) = NativeFile.Inspect(FinalModelPath);
        if (kind is NativeFile.Kind.RegularFile or NativeFile.Kind.Other) return (FinalModelPath, null);   // a FIFO is refused by the reader, naming it
        string why = kind == NativeFile.Kind.Directory ? $"{FinalModelPath} is a folder, not a model file" : $"{FinalModelPath} not found (the run has not finished?)";
        if (File.Exists(BestModelPath)) return (BestModelPath, $"{why}; using {BestModelPath}, the best model so far.");
        var choice = ChooseResumeCheckpoint();
        if (choice.Path is { } latest)
        {
            string model = Path.Combine(latest, Checkpoint.ModelFileName);
            return (model, $"{why}, nor is there a best.safetensors; using {model}, the newest intact checkpoint.");
        }
        throw new UserInputException($"{Root}: no model found (expected model.safetensors, best.safetensors or a checkpoint; {choice.Message.TrimEnd('.')})");
    }
}
