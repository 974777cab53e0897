namespace Sharpformer.Tensors;

/// <summary>
/// A dense row-major float32 tensor: a buffer plus a shape. Layers keep their activations in
/// tensors they own and reshape them with <see cref="Resize(int[])"/>, which reuses the buffer
/// whenever it is big enough, so a training step of a fixed batch shape allocates nothing.
/// </summary>
public sealed class Tensor
{
    private float[] _data;
    private int[] _shape;

    public Tensor(params int[] shape)
    {
        _shape = (int[])shape.Clone();
        _data = new float[Count(shape)];
        Length = _data.Length;
    }

    private Tensor(float[] data, int[] shape)
    {
        _data = data;
        _shape = shape;
        Length = Count(shape);
    }

    /// <summary>Wraps existing data (no copy); data.Length must equal the product of the shape.</summary>
    public static Tensor FromArray(float[] data, params int[] shape)
    {
        if (Count(shape) != data.Length)
            throw new ArgumentException($"Shape [{string.Join(", ", shape)}] needs {Count(shape)} values, got {data.Length}.");
        return new Tensor(data, (int[])shape.Clone());
    }

    /// <summary>The underlying buffer; may be longer than <see cref="Length"/> after a shrinking resize.</summary>
    public float[] Data => _data;
    public IReadOnlyList<int> Shape => _shape;
    public int Rank => _shape.Length;
    public int Length { get; private set; }
    public Span<float> Span => _data.AsSpan(0, Length);
    public int Dim(int axis) => _shape[axis < 0 ? _shape.Length + axis : axis];

    /// <summary>
    /// Gives the tensor a new shape, reusing the buffer when it is large enough. Contents are unspecified.
    /// A buffer that must grow grows by at least half, so batches of slowly increasing shapes (length
    /// buckets) reallocate a few times rather than at every new size.
    /// </summary>
    public Tensor Resize(params int[] shape)
    {
        int n = Count(shape);
        if (n > _data.Length) _data = new float[_data.Length == 0 ? n : (int)Math.Min(Array.MaxLength, Math.Max(n, (long)_data.Length * 3 / 2))];
        if (!SameShape(shape)) _shape = (int[])shape.Clone();
        Length = n;
        return this;
    }

    /// <summary>Resizes and fills with zeros.</summary>
    public Tensor ResizeZeroed(params int[] shape)
    {
        Resize(shape);
        Span.Clear();
        return this;
    }

    public void Clear() => Span.Clear();

    public Tensor Clone()
    {
        var copy = new Tensor(_shape);
        Span.CopyTo(copy.Span);
        return copy;
    }

    public override string ToString() => $"Tensor[{string.Join(", ", _shape)}]";

    private bool SameShape(int[] shape)
    {
        if (shape.Length != _shape.Length) return false;
        for (int i = 0; i < shape.Length; i++) if (shape[i] != _shape[i]) return false;
        return true;
    }

    private static int Count(int[] shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"Negative dimension in shape [{string.Join(", ", shape)}].");
            n *= d;
        }
        if (n > Array.MaxLength) throw new ArgumentException($"Shape [{string.Join(", ", shape)}] is too large.");
        return (int)n;
    }
}
