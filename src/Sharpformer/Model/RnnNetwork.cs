using System.Numerics.Tensors;
using Sharpformer.Layers;
using Sharpformer.Layers.Recurrent;
using Sharpformer.Tensors;

namespace Sharpformer.Model;

/// <summary>
/// An RNN encoder–decoder assembled from layers over one set of weights, the figure of Luong et al. 2015:
/// <code>
/// source ids → E·√E → encoder RNN (bidirectional for rnn-attn-additive) → states s_1..s_S, final states
///                                                     │ (bridge: tanh(W_b [→h; ←h]) when bidirectional)
/// target ids → E·√E (→ [y_t; c] for rnn) → decoder RNN from the encoder's final states → h_t
/// c_t = the final encoder state (rnn) | Σ_j a_tj s_j with a from h_tᵀs_j (dot) or vᵀtanh(W_q h_t + W_k s_j) (additive)
/// h̃_t = tanh(W_c [c_t; h_t]) → logits = h̃_t·Eᵀ (tied to the embedding)
/// </code>
/// The decoder's recurrence reads only the previous token (no input feeding), so training runs it over all target
/// positions at once, and a decoding step is <see cref="RecurrentStack.Step"/> followed by the same attention,
/// attentional hidden and projection code (<see cref="Head"/>) as training.
/// A network is a workspace: its layers hold the activations of its last forward pass, and a training step of a
/// seen shape allocates nothing. One thread at a time; each caller gets its own (<see cref="RnnSeq2Seq.CreateWorkspace"/>).
/// </summary>
public sealed class RnnNetwork : ITrainingNetwork
{
    private readonly AttentionMask _sourceMask = new();
    private readonly DropoutLayer _outputDropout;
    private readonly Tensor _context = new(0), _contextSteps = new(0), _decoderInput = new(0), _dropped = new(0);
    private readonly Tensor _dEmbedded = new(0), _dContextSteps = new(0), _dInputContext = new(0), _zeroMemoryGrad = new(0);
    private int[] _sourceLengths = [], _targetLengths = [];
    private int _batch, _sourceLength, _targetLength;

    internal RnnNetwork(RnnConfig config, ParameterStore store)
    {
        Config = config;
        int e = config.EmbeddingSize, h = config.HiddenSize, m = config.MemoryWidth;
        var sites = new DropoutLayer.SiteCounter();
        var embed = store.Get("embed.weight", ParameterRole.Embedding, [config.VocabSize, e]);
        SourceEmbedding = new Embedding(embed, NoPositionalEncoding.Instance, new DropoutLayer(config.Dropout, sites.Next()));
        TargetEmbedding = new Embedding(embed, NoPositionalEncoding.Instance, new DropoutLayer(config.Dropout, sites.Next()));
        Encoder = new RecurrentStack(store, "encoder.rnn", config.Cell, e, h, config.Layers, config.EncoderBidirectional, config.Dropout, sites);
        if (config.EncoderBidirectional) Bridge = new EncoderBridge(store, "bridge", h, withCell: Encoder.HasCellState);
        // rnn feeds the one context vector to every decoder step beside the token (Cho et al. 2014)
        int decoderInput = e + (config.Attention == RnnAttentionKind.None ? m : 0);
        Decoder = new RecurrentStack(store, "decoder.rnn", config.Cell, decoderInput, h, config.Layers, bidirectional: false, config.Dropout, sites);
        if (config.Attention == RnnAttentionKind.Dot) DotAttention = new LuongAttention(h);
        if (config.Attention == RnnAttentionKind.Additive) AdditiveAttention = new BahdanauAttention(store, "attention", h, m, config.AdditiveWidth);
        AttentionalHidden = new AttentionalHidden(store, "combine", m, h, e);
        _outputDropout = new DropoutLayer(config.Dropout, sites.Next());
        Generator = new TiedOutputProjection(embed);
        Parameters = store.Parameters;
    }

    public RnnConfig Config { get; }
    public Embedding SourceEmbedding { get; }
    public Embedding TargetEmbedding { get; }
    public RecurrentStack Encoder { get; }

    /// <summary>From a bidirectional encoder's final states to the decoder's initial ones (null when unidirectional: they pass as they are).</summary>
    public EncoderBridge? Bridge { get; }
    public RecurrentStack Decoder { get; }
    public LuongAttention? DotAttention { get; }
    public BahdanauAttention? AdditiveAttention { get; }
    public AttentionalHidden AttentionalHidden { get; }
    public TiedOutputProjection Generator { get; }

    /// <summary>The weights this network runs on, in checkpoint order (shared with its model).</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The attention weights of the last forward or step, [B, T, S] (null for rnn, which has none).</summary>
    public Tensor? AttentionWeights => DotAttention?.Weights ?? AdditiveAttention?.Weights;

    /// <summary>
    /// ∂L/∂x [B, S, E] after a Backward, x = E[id]·√E the embedded source before dropout: how much the loss depends
    /// on each source position's embedding.
    /// </summary>
    public Tensor SourceEmbeddingGrad => Encoder.InputGrad;

    /// <summary>The decoder's initial states h0 [layers, B, H] of the last encoding.</summary>
    public Tensor InitialHidden => Bridge?.Hidden ?? Encoder.FinalHidden;

    /// <summary>The decoder's initial cell states c0 [layers, B, H] of the last encoding (LSTM; null otherwise).</summary>
    public Tensor? InitialCell => !Encoder.HasCellState ? null : Bridge != null ? Bridge.Cell : Encoder.FinalCell;

    /// <summary>rnn's context vector c [B, M] of the last encoding: the top layer's final state (both directions side by side).</summary>
    public Tensor ContextVector => _context;

    internal AttentionMask SourceMask => _sourceMask;

    /// <summary>The row buffers of the decode this network is rented for (reused decode after decode).</summary>
    internal RnnDecoderState.DecodeRows DecodeRows { get; } = new();

    /// <summary>
    /// src [B, S] → the encoder states s [B, S, M] (a buffer of this network, zero at padding), the decoder's initial
    /// states (<see cref="InitialHidden"/>, <see cref="InitialCell"/>) and, for rnn, the <see cref="ContextVector"/>.
    /// </summary>
    public Tensor Encode(ReadOnlySpan<int> source, int batch, int sourceLength, ForwardContext ctx)
    {
        (_batch, _sourceLength) = (batch, sourceLength);
        _sourceMask.SetFromIds(source, batch, sourceLength, Config.PadId, causal: false);
        if (_sourceLengths.Length != batch) _sourceLengths = new int[batch];
        for (int b = 0; b < batch; b++) _sourceLengths[b] = RealLength(source.Slice(b * sourceLength, sourceLength));
        var x = SourceEmbedding.Forward(source, batch, sourceLength, ctx);                    // [B, S, E]
        var memory = Encoder.Forward(x, _sourceLengths, ctx: ctx);                            // [B, S, M]
        Bridge?.Forward(Encoder.FinalHidden, Encoder.HasCellState ? Encoder.FinalCell : null);   // [L, B, H]
        if (Config.Attention == RnnAttentionKind.None) TopFinalState(_context);                // [B, M]
        return memory;
    }

    /// <summary>The whole model: (src [B, S], tgt_in [B, T]) → logits [B, T, V].</summary>
    public Tensor Forward(ReadOnlySpan<int> source, ReadOnlySpan<int> targetIn, int batch, int sourceLength, int targetLength, ForwardContext ctx)
    {
        var memory = Encode(source, batch, sourceLength, ctx);
        _targetLength = targetLength;
        var y = TargetEmbedding.Forward(targetIn, batch, targetLength, ctx);                 // [B, T, E]
        if (Config.Attention == RnnAttentionKind.None)
        {
            Repeat(_context, targetLength, _contextSteps);                                    // [B, T, M]
            y = Join(y, _contextSteps, _decoderInput);                                        // [B, T, E + M] = [y_t; c]
        }
        // every row runs all T steps: a row's steps after its EOS feed only its own padded (ignored) positions
        if (_targetLengths.Length != batch) _targetLengths = new int[batch];
        Array.Fill(_targetLengths, targetLength);
        var h = Decoder.Forward(y, _targetLengths, InitialHidden, InitialCell, ctx);          // [B, T, H]
        return Head(h, memory, _sourceMask, null, _contextSteps, ctx);
    }

    /// <summary>
    /// From decoder states to logits, the part that training and decoding share: h [N, T, H] → c_t (attention over
    /// memory [N, S, M] under <paramref name="mask"/>, or the rnn context repeated per step [N, T, M]) →
    /// h̃ = tanh(W_c [c; h]) → dropout → logits [N, T, V]. <paramref name="keys"/>: the additive attention's W_k s, when
    /// projected already.
    /// </summary>
    internal Tensor Head(Tensor h, Tensor memory, AttentionMask mask, Tensor? keys, Tensor contextSteps, ForwardContext ctx)
    {
        var c = Config.Attention switch
        {
            RnnAttentionKind.Dot => DotAttention!.Forward(h, memory, mask),                   // [N, T, M]
            RnnAttentionKind.Additive => AdditiveAttention!.Forward(h, memory, mask, keys),   // [N, T, M]
            _ => contextSteps,                                                                // [N, T, M]
        };
        var hTilde = AttentionalHidden.Forward(c, h);                                        // [N, T, E]
        _dropped.ResizeLike(hTilde);
        hTilde.Span.CopyTo(_dropped.Span);
        _outputDropout.ForwardInPlace(_dropped.Span, ctx);
        return Generator.Forward(_dropped);                                                   // [N, T, V]
    }

    /// <summary>dLogits [B, T, V] → accumulates the gradient of every parameter.</summary>
    public void Backward(Tensor dLogits)
    {
        var dhTilde = Generator.Backward(dLogits);                                           // [B, T, E]
        _outputDropout.BackwardInPlace(dhTilde.Span);
        var (dc, dh) = AttentionalHidden.Backward(dhTilde);                                   // [B, T, M], [B, T, H]
        Tensor dMemory;
        if (Config.Attention == RnnAttentionKind.None)
        {
            _dContextSteps.ResizeLike(dc);
            dc.Span.CopyTo(_dContextSteps.Span);
            dMemory = _zeroMemoryGrad.ResizeZeroed(_batch, _sourceLength, Config.MemoryWidth);
        }
        else
        {
            var (dQuery, dMem) = Config.Attention == RnnAttentionKind.Dot ? DotAttention!.Backward(dc) : AdditiveAttention!.Backward(dc);
            TensorPrimitives.Add(dh.Span, dQuery.Span, dh.Span);                              // h_t is the query too
            dMemory = dMem;                                                                   // [B, S, M]
        }
        var dInput = Decoder.Backward(dh);                                                    // [B, T, E (+ M)]
        var dy = dInput;
        if (Config.Attention == RnnAttentionKind.None)
        {
            dy = _dEmbedded.Resize(_batch, _targetLength, Config.EmbeddingSize);
            _dInputContext.Resize(_batch, _targetLength, Config.MemoryWidth);
            FeatureConcat.Backward(dInput.Span, dy.Span, Config.EmbeddingSize, _dInputContext.Span, Config.MemoryWidth);
            TensorPrimitives.Add(_dContextSteps.Span, _dInputContext.Span, _dContextSteps.Span);
        }
        TargetEmbedding.Backward(dy);

        // the decoder started from the encoder's final states: their gradient flows back into the encoder
        Tensor dhN = Decoder.InitialHiddenGrad, dcN = Decoder.InitialCellGrad;
        if (Bridge != null)
        {
            Bridge.Backward(dhN, Encoder.HasCellState ? dcN : null);
            (dhN, dcN) = (Bridge.FinalHiddenGrad, Bridge.FinalCellGrad);
        }
        if (Config.Attention == RnnAttentionKind.None) AddToTopFinalState(_dContextSteps, dhN);
        var dx = Encoder.Backward(dMemory, dhN, Encoder.HasCellState ? dcN : null);           // [B, S, E]
        SourceEmbedding.Backward(dx);
    }

    public void ZeroGrad()
    {
        for (int i = 0; i < Parameters.Count; i++) Parameters[i].Grad.Clear();
    }

    private int RealLength(ReadOnlySpan<int> row)
    {
        // sources are right-padded: the real tokens are those before the last non-pad id
        int n = row.Length;
        while (n > 0 && row[n - 1] == Config.PadId) n--;
        return n;
    }

    // c [B, M] = the top layer's h_n, both directions side by side (state rows are layer-major: l0 fwd, l0 rev, l1 fwd, …).
    private void TopFinalState(Tensor context)
    {
        int h = Config.HiddenSize, dirs = Encoder.Directions, n = _batch * h, top = (Config.Layers - 1) * dirs;
        context.Resize(_batch, dirs * h);
        for (int d = 0; d < dirs; d++)
            for (int b = 0; b < _batch; b++)
                Encoder.FinalHidden.Span.Slice((top + d) * n + b * h, h).CopyTo(context.Span.Slice((b * dirs + d) * h, h));
    }

    // The backward of TopFinalState and Repeat: ∂c [B, M] = Σ_t ∂c_t, added into the top layer's ∂h_n.
    private void AddToTopFinalState(Tensor dContextSteps, Tensor dhN)
    {
        int h = Config.HiddenSize, dirs = Encoder.Directions, n = _batch * h, top = (Config.Layers - 1) * dirs, m = dirs * h;
        for (int b = 0; b < _batch; b++)
            for (int t = 0; t < _targetLength; t++)
                for (int d = 0; d < dirs; d++)
                {
                    var target = dhN.Span.Slice((top + d) * n + b * h, h);
                    TensorPrimitives.Add(target, dContextSteps.Span.Slice((b * _targetLength + t) * m + d * h, h), target);
                }
    }

    /// <summary>steps [N, T, M]: row n's context [M] repeated for each of T steps.</summary>
    internal static void Repeat(Tensor context, int steps, Tensor output)
    {
        int rows = context.Dim(0), m = context.Dim(1);
        output.Resize(rows, steps, m);
        for (int r = 0; r < rows; r++)
            for (int t = 0; t < steps; t++) context.Span.Slice(r * m, m).CopyTo(output.Span.Slice((r * steps + t) * m, m));
    }

    /// <summary>output [N, T, A + B] = [a; b].</summary>
    internal static Tensor Join(Tensor a, Tensor b, Tensor output)
    {
        output.Resize(a.Dim(0), a.Dim(1), a.Dim(2) + b.Dim(2));
        FeatureConcat.Forward(a.Span, a.Dim(2), b.Span, b.Dim(2), output.Span);
        return output;
    }
}
