using System.Text.Json;
using Sharpformer.IO;
using Sharpformer.Model;

namespace Sharpformer.Training;

/// <summary>
/// A checkpoint directory: model.safetensors (weights + config), optimizer.safetensors (Adam's
/// first and second moments per parameter, and its step), state.json (<see cref="TrainingState"/>)
/// and, written last, checksums.sha256 (<see cref="CheckpointManifest"/>). It is staged in a
/// temporary folder whose files are each fsynced, then swapped in by <see cref="DurableFile.ReplaceDirectory"/>,
/// so a crash at any point leaves a complete checkpoint under the name (the old or the new one).
/// </summary>
public static class Checkpoint
{
    public const string ModelFileName = "model.safetensors";
    public const string OptimizerFileName = "optimizer.safetensors";
    public const string StateFileName = "state.json";

    public static void Save(string directory, ITrainableModel model, Adam optimizer, TrainingState state)
    {
        string target = Path.GetFullPath(directory);
        string parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        string tmp = Path.Combine(parent, DurableFile.TempPrefix + Path.GetFileName(target) + "-" + Environment.ProcessId);
        RequireFinite(model, optimizer, target);
        try
        {
            if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
            Directory.CreateDirectory(tmp);
            ModelFile.Save(model, Path.Combine(tmp, ModelFileName));
            var moments = model.Parameters.SelectMany((p, i) => new[]
            {
                SafeTensor.FromFloats("adam.m." + p.Name, optimizer.FirstMoments[i], p.Shape.ToArray()),
                SafeTensor.FromFloats("adam.v." + p.Name, optimizer.SecondMoments[i], p.Shape.ToArray()),
            });
            SafeTensors.Write(Path.Combine(tmp, OptimizerFileName), moments, new Dictionary<string, string> { ["adam.step"] = optimizer.Step.ToString() });
            DurableFile.WriteAllText(Path.Combine(tmp, StateFileName), JsonSerializer.Serialize(state, ModelFile.JsonOptions));
            CheckpointManifest.Write(tmp);
            DurableFile.Faults.After("checkpoint-staged");
            DurableFile.ReplaceDirectory(tmp, target);
        }
        catch (Exception e) when (e is UserInputException or IOException or UnauthorizedAccessException)
        {
            // a write failed (disk full, permissions) while staging: drop the half-staged folder, the old checkpoint was never touched
            // (a failure in the swap itself is rolled back by ReplaceDirectory, or left for RunDirectory.CleanStale)
            try { if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true); } catch (IOException) { /* RunDirectory.CleanStale removes it */ }
            string why = (e is UserInputException { InnerException: { } inner } ? inner : e).Message.ReplaceLineEndings(" ");
            throw new UserInputException($"{target}: checkpoint could not be saved ({why}); the previous one, if any, is unchanged", e);
        }
    }

    // A checkpoint is what a run resumes from: one holding a NaN or an infinity would resume into garbage, so none is ever written.
    private static void RequireFinite(ITrainableModel model, Adam optimizer, string target)
    {
        var p = model.Parameters;
        FiniteValues.Require(p.Select(x => (x.Name, (ReadOnlyMemory<float>)x.Value.Data.AsMemory(0, x.Length)))
            .Concat(p.Select((x, i) => ("adam.m." + x.Name, (ReadOnlyMemory<float>)optimizer.FirstMoments[i])))
            .Concat(p.Select((x, i) => ("adam.v." + x.Name, (ReadOnlyMemory<float>)optimizer.SecondMoments[i]))), target);
    }

    /// <summary>Rewrites state.json of a saved checkpoint (e.g. to mark the run finished) and its checksum.</summary>
    public static void SaveState(string directory, TrainingState state)
    {
        DurableFile.WriteAllText(Path.Combine(directory, StateFileName), JsonSerializer.Serialize(state, ModelFile.JsonOptions));
        CheckpointManifest.Refresh(directory, StateFileName);
    }

    /// <summary>
    /// Restores weights, Adam moments and step into existing objects; returns the saved state. A NaN or an
    /// infinity in either file is an error: resuming from it would silently train garbage.
    /// </summary>
    public static TrainingState Load(string directory, ITrainableModel model, Adam optimizer)
    {
        string modelPath = Path.Combine(directory, ModelFileName);
        ModelFile.LoadWeights(model, SafeTensors.Read(modelPath, requireFinite: true), modelPath);
        string optPath = Path.Combine(directory, OptimizerFileName);
        var opt = SafeTensors.Read(optPath, requireFinite: true);
        for (int i = 0; i < model.Parameters.Count; i++)
        {
            var p = model.Parameters[i];
            ReadInto(opt, "adam.m." + p.Name, optimizer.FirstMoments[i], optPath);
            ReadInto(opt, "adam.v." + p.Name, optimizer.SecondMoments[i], optPath);
        }
        if (!opt.Metadata.TryGetValue("adam.step", out var stepText) || !long.TryParse(stepText, out long step))
            throw new UserInputException($"{optPath}: metadata lacks a valid 'adam.step'");
        optimizer.Step = step;
        return LoadState(directory);
    }

    public static TrainingState LoadState(string directory)
    {
        string path = Path.Combine(directory, StateFileName);
        try
        {
            return JsonSerializer.Deserialize<TrainingState>(RegularFile.ReadAllBytes(path, MaxStateBytes, "training state"), ModelFile.JsonOptions)
                ?? throw new UserInputException($"{path}: empty training state");
        }
        catch (JsonException e) { throw new UserInputException($"{path}: invalid training state ({e.Message.ReplaceLineEndings(" ")})"); }
    }

    // A state holds the validation history: a few hundred bytes per epoch.
    private const long MaxStateBytes = 64L << 20;

    private static void ReadInto(SafeTensors.Contents contents, string name, float[] target, string path)
    {
        if (!contents.Tensors.TryGetValue(name, out var t)) throw new UserInputException($"{path}: missing tensor '{name}'");
        var values = t.ToFloats();
        if (values.Length != target.Length) throw new UserInputException($"{path}: tensor '{name}' has {values.Length} values, expected {target.Length}");
        values.CopyTo(target, 0);
    }
}
