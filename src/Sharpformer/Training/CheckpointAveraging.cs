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
    public static void Average(IReadOnlyList<string> modelFiles, Transformer into)
    {
        if (modelFiles.Count == 0) throw new ArgumentException("No checkpoints to average.");
        foreach (var p in into.Parameters) p.Value.Clear();
        foreach (var file in modelFiles)
        {
            var contents = SafeTensors.Read(file);
            foreach (var p in into.Parameters)
            {
                if (!contents.Tensors.TryGetValue(p.Name, out var t) || t.Count != p.Length)
                    throw new UserInputException($"{file}: tensor '{p.Name}' missing or of the wrong size for averaging");
                TensorPrimitives.Add(p.Value.Span, t.ToFloats(), p.Value.Span);
            }
        }
        foreach (var p in into.Parameters) TensorPrimitives.Multiply(p.Value.Span, 1f / modelFiles.Count, p.Value.Span);
    }
}
