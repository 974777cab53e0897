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
    /// buckets) reallocate a few times rather than at every new size. Allocates nothing otherwise
    /// (the shape is a params span, and a shape of the same rank is copied in place).
    /// </summary>
    public Tensor Resize(params ReadOnlySpan<int> shape)
    {
        int n = Count(shape);
        if (n > _data.Length) _data = new float[_data.Length == 0 ? n : (int)Math.Min(Array.MaxLength, Math.Max(n, (long)_data.Length * 3 / 2))];
        if (_shape.Length != shape.Length) _shape = shape.ToArray();
        else shape.CopyTo(_shape);
        Length = n;
        return this;
    }

    /// <summary>Resizes to the shape of <paramref name="other"/>, optionally with another last dimension.</summary>
    public Tensor ResizeLike(Tensor other, int lastDim = -1)
    {
        Span<int> shape = stackalloc int[other.Rank];
        other._shape.CopyTo(shape);
        if (lastDim >= 0) shape[^1] = lastDim;
        return Resize(shape);
    }

    /// <summary>Resizes and fills with zeros.</summary>
    public Tensor ResizeZeroed(params ReadOnlySpan<int> shape)
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

    private static int Count(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"Negative dimension in shape [{string.Join(", ", shape.ToArray())}].");
            n *= d;
            if (n > Array.MaxLength) throw new ArgumentException($"Shape [{string.Join(", ", shape.ToArray())}] is too large.");
        }
        return (int)n;
    }
}
