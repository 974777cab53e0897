using System.Numerics.Tensors;
using Sharpformer.Layers;
using Sharpformer.Model;

namespace Sharpformer.Inspection;

/// <summary>
/// The L2 norms of the gradients of W_Q, W_K, W_V and W_O in every attention block of a model (encoder
/// self-attention, decoder self-attention, cross-attention, per layer): how strongly the last backward
/// pass pushes each projection. <see cref="Compute"/> reads the gradients the parameters hold and
/// allocates nothing, so a trainer may call it at every logging interval.
/// </summary>
public sealed class AttentionGradientNorms
{
    /// <summary>The projections of one block, in the order of <see cref="Norm"/>'s second index.</summary>
    public static IReadOnlyList<string> Matrices { get; } = ["w_q", "w_k", "w_v", "w_o"];

    private readonly MultiHeadAttention[] _attention;
    private readonly double[] _norms;

    private AttentionGradientNorms(IReadOnlyList<(string Name, MultiHeadAttention Attention)> blocks)
    {
        Blocks = blocks.Select(b => b.Name).ToArray();
        _attention = blocks.Select(b => b.Attention).ToArray();
        _norms = new double[_attention.Length * Matrices.Count];
    }

    /// <summary>
    /// The attention blocks of <paramref name="model"/>, named "encoder.{i}.self", "decoder.{i}.self" and
    /// "decoder.{i}.cross"; null for an architecture without W_Q/W_K/W_V/W_O blocks (nothing to record).
    /// </summary>
    public static AttentionGradientNorms? For(ISeq2SeqModel model)
    {
        if (model is not Transformer transformer) return null;
        // A network binding the model's parameters: its attention layers name the blocks of the same weights and gradients.
        var network = transformer.CreateWorkspace();
        var blocks = new List<(string, MultiHeadAttention)>();
        for (int i = 0; i < network.Encoder.Layers.Count; i++) blocks.Add(($"encoder.{i}.self", network.Encoder.Layers[i].SelfAttention));
        for (int i = 0; i < network.Decoder.Layers.Count; i++)
        {
            blocks.Add(($"decoder.{i}.self", network.Decoder.Layers[i].SelfAttention));
            blocks.Add(($"decoder.{i}.cross", network.Decoder.Layers[i].CrossAttention));
        }
        return new AttentionGradientNorms(blocks);
    }

    /// <summary>Block names, in the order of <see cref="Norm"/>'s first index.</summary>
    public IReadOnlyList<string> Blocks { get; }

    /// <summary>‖∂L/∂W‖₂ of block <paramref name="block"/>'s matrix <paramref name="matrix"/> (0 W_Q, 1 W_K, 2 W_V, 3 W_O), as of the last <see cref="Compute"/>.</summary>
    public double Norm(int block, int matrix) => _norms[block * Matrices.Count + matrix];

    /// <summary>Reads every norm from the gradients the parameters hold now; allocates nothing.</summary>
    public void Compute()
    {
        for (int b = 0; b < _attention.Length; b++)
        {
            var a = _attention[b];
            int at = b * Matrices.Count;
            _norms[at] = Math.Sqrt(TensorPrimitives.SumOfSquares(a.WQ.Grad));
            _norms[at + 1] = Math.Sqrt(TensorPrimitives.SumOfSquares(a.WK.Grad));
            _norms[at + 2] = Math.Sqrt(TensorPrimitives.SumOfSquares(a.WV.Grad));
            _norms[at + 3] = Math.Sqrt(TensorPrimitives.SumOfSquares(a.WO.Grad.Span));
        }
    }

    /// <summary>The norms as {"encoder.0.self": {"w_q": …, "w_k": …, "w_v": …, "w_o": …}, …} (for a metrics record).</summary>
    public Dictionary<string, Dictionary<string, double>> ToRecord()
    {
        var record = new Dictionary<string, Dictionary<string, double>>(Blocks.Count);
        for (int b = 0; b < Blocks.Count; b++)
            record[Blocks[b]] = Enumerable.Range(0, Matrices.Count).ToDictionary(m => Matrices[m], m => Norm(b, m));
        return record;
    }
}
