using System.Numerics.Tensors;
using Sharpformer.Tensors;

namespace Sharpformer.Layers;

/// <summary>Adds position information to token embeddings of shape [B, T, d].</summary>
public interface IPositionalEncoding
{
    /// <summary>x[b, t, :] += PE[offset + t, :] for every row of a [B, T, d] buffer.</summary>
    void AddTo(Span<float> x, int batch, int time, int offset = 0);

    /// <summary>Accumulates the gradient of learned positions (no-op for fixed encodings).</summary>
    void Backward(ReadOnlySpan<float> dx, int batch, int time);

    IEnumerable<Parameter> Parameters();
}

/// <summary>
/// The paper's fixed encoding: PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(pos / 10000^(2i/d)).
/// The table is computed in double precision and grows on demand, so any length works.
/// </summary>
public sealed class SinusoidalPositionalEncoding : IPositionalEncoding
{
    private readonly int _d;
    private float[] _table = [];
    private int _rows;
    private readonly Lock _grow = new();

    public SinusoidalPositionalEncoding(int d, int initialLength = 256)
    {
        if (d <= 0) throw new ArgumentOutOfRangeException(nameof(d));
        _d = d;
        EnsureLength(initialLength);
    }

    /// <summary>The table's first <paramref name="length"/> rows, [length, d].</summary>
    public Tensor Table(int length)
    {
        EnsureLength(length);
        return Tensor.FromArray(_table.AsSpan(0, length * _d).ToArray(), length, _d);
    }

    public void AddTo(Span<float> x, int batch, int time, int offset = 0)
    {
        EnsureLength(offset + time);
        int rowLen = time * _d;
        var pe = _table.AsSpan(offset * _d, rowLen);
        for (int b = 0; b < batch; b++)
            TensorPrimitives.Add(x.Slice(b * rowLen, rowLen), pe, x.Slice(b * rowLen, rowLen)); // [T, d] += PE[offset:offset+T]
    }

    public void Backward(ReadOnlySpan<float> dx, int batch, int time) { }

    public IEnumerable<Parameter> Parameters() => [];

    private void EnsureLength(int length)
    {
        if (length <= _rows) return;
        lock (_grow)
        {
            if (length <= _rows) return;
            int rows = Math.Max(length, _rows * 2);
            var table = new float[rows * _d];
            for (int pos = 0; pos < rows; pos++)
                for (int i = 0; i < _d; i += 2)
                {
                    // 1/10000^(2i/d) = exp(2i · −ln(10000)/d)
                    double angle = pos * Math.Exp(i * (-Math.Log(10000.0) / _d));
                    table[pos * _d + i] = (float)Math.Sin(angle);
                    if (i + 1 < _d) table[pos * _d + i + 1] = (float)Math.Cos(angle);
                }
            _table = table;
            _rows = rows;
        }
    }
}

/// <summary>A learned position table [maxLength, d] (an option the paper compares against).</summary>
public sealed class LearnedPositionalEncoding : IPositionalEncoding
{
    private readonly int _d;

    public LearnedPositionalEncoding(ParameterStore store, string name, int maxLength, int d)
    {
        _d = d;
        Weight = store.Get(name + ".weight", ParameterRole.Embedding, [maxLength, d]);
    }

    public Parameter Weight { get; }
    public int MaxLength => Weight.Shape[0];

    public void AddTo(Span<float> x, int batch, int time, int offset = 0)
    {
        if (offset + time > MaxLength)
            throw new ArgumentException($"Sequence of {offset + time} positions exceeds the learned table's {MaxLength}.");
        int rowLen = time * _d;
        var pe = Weight.Value.Span.Slice(offset * _d, rowLen);
        for (int b = 0; b < batch; b++)
            TensorPrimitives.Add(x.Slice(b * rowLen, rowLen), pe, x.Slice(b * rowLen, rowLen));
    }

    public void Backward(ReadOnlySpan<float> dx, int batch, int time)
    {
        int rowLen = time * _d;
        var g = Weight.Grad.Span[..rowLen];
        for (int b = 0; b < batch; b++) TensorPrimitives.Add(g, dx.Slice(b * rowLen, rowLen), g);
    }

    public IEnumerable<Parameter> Parameters() { yield return Weight; }
}
