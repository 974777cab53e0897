using System.Numerics.Tensors;
using Sharpformer.Tensors;

namespace Sharpformer.Layers;

/// <summary>
/// Token embedding followed by positional encoding and dropout: x = E[id]·√d + PE[pos].
/// Source and target embeddings share one weight (the paper's tying); each use gets its own
/// instance so each caches its own ids. Caches: the ids and the batch shape.
/// </summary>
public sealed class Embedding
{
    private readonly IPositionalEncoding _positions;
    private readonly DropoutLayer _dropout;
    private int[] _ids = [];
    private int _batch, _time;

    public Embedding(Parameter weight, IPositionalEncoding positions, DropoutLayer dropout)
    {
        Weight = weight;
        _positions = positions;
        _dropout = dropout;
        D = weight.Shape[1];
        Scale = MathF.Sqrt(D);
    }

    public Parameter Weight { get; }
    public int D { get; }
    public int VocabSize => Weight.Shape[0];

    /// <summary>√d_model: keeps embeddings on the scale of the positional encoding.</summary>
    public float Scale { get; }

    public Tensor Output { get; } = new(0);

    /// <summary>ids [B, T] → x [B, T, d]; the first position is <paramref name="positionOffset"/> (a decoding step's position).</summary>
    public Tensor Forward(ReadOnlySpan<int> ids, int batch, int time, ForwardContext ctx, int positionOffset = 0)
    {
        if (ids.Length != batch * time) throw new ArgumentException($"Embedding: {ids.Length} ids for a [{batch}, {time}] batch.");
        if (_ids.Length < ids.Length) _ids = new int[ids.Length];
        ids.CopyTo(_ids);
        _batch = batch;
        _time = time;
        Output.Resize(batch, time, D);
        Lookup(ids, Output.Span);
        _positions.AddTo(Output.Span, batch, time, positionOffset);
        _dropout.ForwardInPlace(Output.Span, ctx);
        return Output;
    }

    /// <summary>x[i] = E[ids[i]]·√d (no positions).</summary>
    public void Lookup(ReadOnlySpan<int> ids, Span<float> x)
    {
        var w = Weight.Value.Span;
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if ((uint)id >= (uint)VocabSize) throw new ArgumentOutOfRangeException(nameof(ids), $"Token id {id} is outside the vocabulary of {VocabSize}.");
            TensorPrimitives.Multiply(w.Slice(id * D, D), Scale, x.Slice(i * D, D)); // [d] = E[id]·√d
        }
    }

    /// <summary>Accumulates dE[id] += dx·√d for every position (and the learned positions' gradient).</summary>
    public void Backward(Tensor dx)
    {
        var g = dx.Span;
        _dropout.BackwardInPlace(g);
        _positions.Backward(g, _batch, _time);
        var dw = Weight.Grad.Span;
        for (int i = 0; i < _batch * _time; i++)
        {
            var row = dw.Slice(_ids[i] * D, D);
            TensorPrimitives.MultiplyAdd(g.Slice(i * D, D), Scale, row, row);
        }
    }
}
