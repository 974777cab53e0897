using System.Numerics.Tensors;
using Sharpformer.IO;
using Sharpformer.Model;

namespace Sharpformer.Training;

/// <summary>
/// Averages the weights of several checkpoints of one run (Vaswani et al. average the last 5 or 20):
/// the mean of nearby points of the optimisation path usually generalises better than any one of them.
/// </summary>
public static class CheckpointAveraging
{
    /// <summary>Loads the model files and writes their element-wise mean into <paramref name="into"/>.</summary>
    public static void Average(IReadOnlyList<string> modelFiles, ITrainableModel into)
    {
        if (modelFiles.Count == 0) throw new ArgumentException("No checkpoints to average.");
        foreach (var p in into.Parameters) p.Value.Clear();
        foreach (var file in modelFiles)
        {
            var contents = SafeTensors.Read(file, requireFinite: true);
            foreach (var p in into.Parameters)
            {
                if (!contents.Tensors.TryGetValue(p.Name, out var t) || t.Count != p.Length)
                    throw new UserInputException($"{file}: tensor '{p.Name}' missing or of the wrong size for averaging");
                TensorPrimitives.Add(p.Value.Span, t.ToFloats(), p.Value.Span);
            }
        }
        foreach (var p in into.Parameters) TensorPrimitives.Multiply(p.Value.Span, 1f / modelFiles.Count, p.Value.Span);
    }

    /// <summary>
    /// The newest <paramref name="last"/> scheduled checkpoints of a run that were saved within
    /// <paramref name="maxElapsedSeconds"/> of its start (all of them when null), oldest first:
    /// what a run with that time budget would have averaged.
    /// </summary>
    public static IReadOnlyList<string> Select(RunDirectory run, int last, double? maxElapsedSeconds = null)
    {
        if (last < 1) throw UserInputException.ForField("Last", $"must be at least 1, got {last}");
        var eligible = run.Checkpoints()
            .Where(d => maxElapsedSeconds is not { } limit || Checkpoint.LoadState(d).ElapsedSeconds <= limit)
            .ToList();
        if (eligible.Count == 0)
            throw new UserInputException(maxElapsedSeconds is { } s
                ? $"{run.CheckpointsDir}: no checkpoint was saved within {s / 60:0.#} minutes"
                : $"{run.CheckpointsDir}: no checkpoints to average");
        return eligible.TakeLast(last).ToList();
    }

    /// <summary>
    /// Averages <paramref name="checkpoints"/> of <paramref name="run"/> into a new model folder
    /// <paramref name="outDir"/> (model.safetensors, the tokenizer and run.json), which translate and
    /// evaluate accept like a run folder. Refuses to overwrite an existing model.
    /// </summary>
    public static string WriteAveragedRun(RunDirectory run, IReadOnlyList<string> checkpoints, string outDir)
    {
        var target = new RunDirectory(outDir);
        if (File.Exists(target.FinalModelPath)) throw UserInputException.ForField("OutputDirectory", $"{target.FinalModelPath} already exists; choose another folder");
        var model = ModelFile.Load(Path.Combine(checkpoints[0], Checkpoint.ModelFileName));
        Average(checkpoints.Select(d => Path.Combine(d, Checkpoint.ModelFileName)).ToList(), model);
        var tokenizer = run.LoadTokenizer();                                    // checked, then written anew (crash-safely, with its checksum)
        var options = run.HasOptions ? RegularFile.ReadAllBytes(run.OptionsPath, 16 << 20, "run options file") : null;
        if (options != null) run.LoadOptions();                                  // refuse to copy a damaged recipe
        tokenizer.Save(target.TokenizerDir);
        if (options != null) DurableFile.WriteAllBytes(target.OptionsPath, options);
        ModelFile.Save(model, target.FinalModelPath);
        return target.FinalModelPath;
    }
}
