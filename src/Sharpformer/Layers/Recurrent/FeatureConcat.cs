namespace Sharpformer.Layers.Recurrent;

/// <summary>
/// [a; b]: two tensors of the same leading shape [N, …] joined along their last dimension, and the split of a
/// gradient back into the two parts. How an RNN decoder puts a context beside a state ([c_t; h_t]) or beside
/// an embedding ([y_t; c]). Holds nothing.
/// </summary>
public static class FeatureConcat
{
    /// <summary>output [N, A + B] = [a [N, A]; b [N, B]] row by row; <paramref name="output"/> must hold N·(A + B) floats.</summary>
    public static void Forward(ReadOnlySpan<float> a, int widthA, ReadOnlySpan<float> b, int widthB, Span<float> output)
    {
        int rows = Rows(a.Length, widthA, b.Length, widthB, output.Length);
        int w = widthA + widthB;
        for (int r = 0; r < rows; r++)
        {
            a.Slice(r * widthA, widthA).CopyTo(output.Slice(r * w, widthA));
            b.Slice(r * widthB, widthB).CopyTo(output.Slice(r * w + widthA, widthB));
        }
    }

    /// <summary>The backward: dOutput [N, A + B] → da [N, A], db [N, B] (overwritten).</summary>
    public static void Backward(ReadOnlySpan<float> dOutput, Span<float> da, int widthA, Span<float> db, int widthB)
    {
        int rows = Rows(da.Length, widthA, db.Length, widthB, dOutput.Length);
        int w = widthA + widthB;
        for (int r = 0; r < rows; r++)
        {
            dOutput.Slice(r * w, widthA).CopyTo(da.Slice(r * widthA, widthA));
            dOutput.Slice(r * w + widthA, widthB).CopyTo(db.Slice(r * widthB, widthB));
        }
    }

    private static int Rows(int lengthA, int widthA, int lengthB, int widthB, int lengthOut)
    {
        if (widthA <= 0 || widthB <= 0 || lengthA % widthA != 0) throw new ArgumentException($"Concat: widths {widthA} and {widthB} must be positive and divide the inputs.");
        int rows = lengthA / widthA;
        if (lengthB != rows * widthB || lengthOut != rows * (widthA + widthB))
            throw new ArgumentException($"Concat: [{rows}, {widthA}] and {lengthB} values do not make [{rows}, {widthA + widthB}] ({lengthOut} values).");
        return rows;
    }
}
