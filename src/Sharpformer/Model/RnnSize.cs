using Sharpformer.Layers.Recurrent;

namespace Sharpformer.Model;

/// <summary>
/// What an RNN encoder–decoder of a given config holds, from the config alone (see <see cref="ModelSize"/>).
/// The activations follow <see cref="RnnNetwork"/>: every recurrent layer keeps, per step and direction, its input
/// projection, states, gate cache and their gradients; attention keeps its weights [B, T, S] and, when additive,
/// the activations tanh(W_q h_i + W_k s_j) [B, T, S, A] — the term that grows with the square of the length.
/// </summary>
public sealed class RnnSize(RnnConfig config) : ModelSize
{
    private readonly RnnConfig _c = config;

    private double H => _c.HiddenSize;
    private double E => _c.EmbeddingSize;
    private double V => _c.VocabSize;
    private double M => _c.MemoryWidth;
    private double Dirs => _c.EncoderBidirectional ? 2 : 1;
    private bool Lstm => _c.Cell == RecurrentCellKind.Lstm;
    private bool Additive => _c.Attention == RnnAttentionKind.Additive;
    private bool Plain => _c.Attention == RnnAttentionKind.None;

    // G·H: the stacked gates' width of one direction
    private double GateWidth => RecurrentCell.GateCount(_c.Cell) * H;

    // what the decoder's first layer reads: the token's embedding, and the context vector beside it for rnn
    private double DecoderInput => E + (Plain ? M : 0);

    /// <inheritdoc/>
    public override double Parameters
    {
        get
        {
            double a = _c.AdditiveWidth;
            double bridge = Dirs == 2 ? (2 * H * H + H) * (Lstm ? 2 : 1) : 0;       // bridge [H, 2H] + bias (and bridge_cell for an LSTM)
            double attention = Additive ? a * H + a * M + a : 0;                      // query [A, H], key [A, M], v [1, A]
            return V * E                                                              // the shared embedding [V, E], tied to the output
                + RecurrentWeights(E, Dirs) + bridge + RecurrentWeights(DecoderInput, 1) + attention
                + E * (M + H);                                                        // combine W_c [E, M + H]
        }
    }

    /// <inheritdoc/>
    public override (string Name, double Elements, string Field) LargestTensor => Largest(
        ("embed.weight", V * E, "Model.EmbeddingSize"),
        ("encoder.rnn.weight_ih_l0", GateWidth * E, "Model.HiddenSize"),
        ("encoder.rnn.weight_ih_l1", _c.Layers > 1 ? GateWidth * Dirs * H : 0, "Model.HiddenSize"),
        ("encoder.rnn.weight_hh_l0", GateWidth * H, "Model.HiddenSize"),
        ("decoder.rnn.weight_ih_l0", GateWidth * DecoderInput, "Model.HiddenSize"),
        ("attention.key.weight", Additive ? _c.AdditiveWidth * M : 0, _c.AttentionSize != null ? "Model.AttentionSize" : "Model.HiddenSize"),
        ("combine.weight", E * (M + H), "Model.HiddenSize"));

    /// <inheritdoc/>
    public override string Describe() =>
        $"vocab_size {_c.VocabSize}, {_c.Cell.ToString().ToLowerInvariant()}, embedding_size {_c.EmbeddingSize}, hidden_size {_c.HiddenSize}, "
        + $"{_c.Layers} layer{(_c.Layers == 1 ? "" : "s")}{(_c.EncoderBidirectional ? ", bidirectional" : "")}"
        + (Additive ? $", attention_size {_c.AdditiveWidth}" : "");

    /// <inheritdoc/>
    public override double TrainingActivationBytes(double tokens, double length)
    {
        double t = length, a = _c.AdditiveWidth;
        // per source token: the embedding and its dropout mask, the encoder, and what attention keeps of the memory side
        double source = 2 * E + RecurrentFloats(E, Dirs, training: true)
            + (Plain ? M : M + (Additive ? 2 * a : 0));                               // ∂memory; the keys W_k s and their gradient
        // per target token: the embedding, rnn's context beside it, the decoder, attention over S = t positions
        double target = 2 * E + (Plain ? 4 * M + 2 * E : 0) + RecurrentFloats(DecoderInput, 1, training: true)
            + (Plain ? 0 : 2 * t + M + H + (Additive ? 2 * a + t * a : 0))          // weights and ∂scores [T, S], context, ∂h; W_q h, e [T, S, A]
            + 3 * (M + H) + 3 * E                                                     // h̃ = tanh(W_c [c; h]): [c; h], its gradient split back, h̃, dropout
            + 3 * V + E;                                                              // logits, ∂logits and the loss's scratch; ∂h̃
        return 4 * tokens * (source + target);
    }

    /// <inheritdoc/>
    public override double DecodeBytes(double tokens, int beam, double length)
    {
        double t = Math.Max(1, length), a = Additive ? _c.AdditiveWidth : 0, layers = _c.Layers;
        double rows = beam * tokens / t;
        // encoding the batch once, then per hypothesis its copy of the encoder states (and projected keys);
        // per row and step the recurrent states, one step's gates, attention over the source and the log-probabilities
        double encode = tokens * RecurrentFloats(E, Dirs, training: false) + beam * tokens * (M + a);
        double perRow = layers * H * (Lstm ? 4 : 2) + 2 * layers * GateWidth + t * (1 + a) + a
            + 3 * E + 3 * M + 2 * H + 2 * V;
        return 4 * (encode + rows * perRow);
    }

    // the weights of a recurrent stack reading `input` features: per layer and direction W_ih [G·H, I], W_hh [G·H, H], b_ih, b_hh
    private double RecurrentWeights(double input, double dirs)
    {
        double total = 0;
        for (int l = 0; l < _c.Layers; l++)
            total += dirs * (GateWidth * ((l == 0 ? input : dirs * H) + H) + 2 * GateWidth);
        return total;
    }

    // floats per token a recurrent stack keeps: per layer and direction a_x, the states h (and c) and the gate cache,
    // in training also ∂a_x, ∂a_h and ∂h; per layer the output (and its dropout mask) and ∂input
    private double RecurrentFloats(double input, double dirs, bool training)
    {
        double cache = _c.Cell switch { RecurrentCellKind.Gru => 4 * H, RecurrentCellKind.Lstm => 5 * H, _ => 0 };
        double direction = GateWidth + H + (Lstm ? H : 0) + cache + (training ? 2 * GateWidth + H : 0);
        double total = 0;
        for (int l = 0; l < _c.Layers; l++)
            total += dirs * direction + dirs * H * (training ? 2 : 1) + (training ? (l == 0 ? input : dirs * H) : 0);
        return total;
    }
}
