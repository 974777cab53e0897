using System.Text.Json;
using Sharpformer.IO;
using Sharpformer.Model;

namespace Sharpformer.Training;

/// <summary>
/// A checkpoint directory: model.safetensors (weights + config), optimizer.safetensors (Adam's
/// first and second moments per parameter, and its step) and state.json (<see cref="TrainingState"/>).
/// It is written into a temporary directory and renamed into place, so a crash never leaves a
/// half-written checkpoint behind.
/// </summary>
public static class Checkpoint
{
    public const string ModelFileName = "model.safetensors";
    public const string OptimizerFileName = "optimizer.safetensors";
    public const string StateFileName = "state.json";

    public static void Save(string directory, Transformer model, Adam optimizer, TrainingState state)
    {
        string parent = Path.GetDirectoryName(Path.GetFullPath(directory))!;
        Directory.CreateDirectory(parent);
        string tmp = Path.Combine(parent, ".tmp-" + Path.GetFileName(directory) + "-" + Environment.ProcessId);
        if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
        Directory.CreateDirectory(tmp);
        ModelFile.Save(model, Path.Combine(tmp, ModelFileName));
        var moments = model.Parameters.SelectMany((p, i) => new[]
        {
            SafeTensor.FromFloats("adam.m." + p.Name, optimizer.FirstMoments[i], p.Shape.ToArray()),
            SafeTensor.FromFloats("adam.v." + p.Name, optimizer.SecondMoments[i], p.Shape.ToArray()),
        });
        SafeTensors.Write(Path.Combine(tmp, OptimizerFileName), moments, new Dictionary<string, string> { ["adam.step"] = optimizer.Step.ToString() });
        File.WriteAllText(Path.Combine(tmp, StateFileName), JsonSerializer.Serialize(state, ModelFile.JsonOptions));
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        Directory.Move(tmp, directory);
    }

    /// <summary>Restores weights, Adam moments and step into existing objects; returns the saved state.</summary>
    public static TrainingState Load(string directory, Transformer model, Adam optimizer)
    {
        string modelPath = Path.Combine(directory, ModelFileName);
        ModelFile.LoadWeights(model, SafeTensors.Read(modelPath), modelPath);
        string optPath = Path.Combine(directory, OptimizerFileName);
        var opt = SafeTensors.Read(optPath);
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
            return JsonSerializer.Deserialize<TrainingState>(File.ReadAllText(path), ModelFile.JsonOptions)
                ?? throw new UserInputException($"{path}: empty training state");
        }
        catch (JsonException e) { throw new UserInputException($"{path}: invalid training state ({e.Message})"); }
        catch (FileNotFoundException) { throw new UserInputException($"{path}: training state not found"); }
    }

    private static void ReadInto(SafeTensors.Contents contents, string name, float[] target, string path)
    {
        if (!contents.Tensors.TryGetValue(name, out var t)) throw new UserInputException($"{path}: missing tensor '{name}'");
        var values = t.ToFloats();
        if (values.Length != target.Length) throw new UserInputException($"{path}: tensor '{name}' has {values.Length} values, expected {target.Length}");
        values.CopyTo(target, 0);
    }
}
