using System.Numerics;
using System.Runtime.InteropServices;

namespace Sharpformer.Model;

/// <summary>
/// Finds NaN and infinities in float buffers before they are saved: a checkpoint or model file holding
/// one would load as garbage (or, with the strict reader, not at all), so it must never be written.
/// </summary>
public static class FiniteValues
{
    /// <summary>The index of the first NaN or infinity in <paramref name="values"/>, or -1.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        // x − x is 0 for every finite x and NaN otherwise, so the sum stays 0 exactly when all are finite
        var sum = Vector<float>.Zero;
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        foreach (var v in vectors) sum += v - v;
        int tail = vectors.Length * Vector<float>.Count;
        bool finite = Vector.EqualsAll(sum, Vector<float>.Zero);
        for (int i = tail; i < values.Length && finite; i++) finite = float.IsFinite(values[i]);
        if (finite) return -1;
        for (int i = 0; i < values.Length; i++) if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    /// <summary>Throws naming the first parameter (and index) holding a NaN or an infinity; <paramref name="path"/> is the file it was to be saved to.</summary>
    public static void Require(IEnumerable<(string Name, ReadOnlyMemory<float> Values)> tensors, string path)
    {
        foreach (var (name, values) in tensors)
        {
            int bad = IndexOfNonFinite(values.Span);
            if (bad < 0) continue;
            float value = values.Span[bad];
            throw new UserInputException($"{path}: not saved: '{name}' holds {(float.IsNaN(value) ? "NaN" : value > 0 ? "+infinity" : "-infinity")} at index {bad} "
                + "(training diverged); the files saved before are unchanged");
        }
    }
}
