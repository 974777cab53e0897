using Sharpformer.Layers;
using Sharpformer.Model;
using static Sharpformer.Inspection.TraceMath;

namespace Sharpformer.Inspection;

/// <summary>
/// One forward pass of a Transformer laid open (note 000's worked example on a real sentence): the source
/// and the decoder's input (BOS, then the target) go through Figure 1 step by step with the model's own
/// weights, and every tensor on the way is kept with its shape and named axes: embedding ×√d_model,
/// + PE, Q/K/V split into heads, scores, softmax weights, the heads' outputs, their concat, W_O,
/// residual + LayerNorm, the feed-forward network, the logits and the chosen tokens.
/// The arithmetic is written out plainly (<see cref="TraceMath"/>), separately from the model's kernels;
/// <see cref="CompareWithModel"/> runs the model's own forward pass on the same ids and reports how far
/// the two are apart (float rounding only).
/// </summary>
public sealed class ForwardTrace
{
    private readonly Transformer _model;
    private readonly TransformerConfig _c;
    private readonly bool _keepTensors;
    private readonly List<TraceTensor> _tensors = [];
    private readonly List<TracedAttention> _attention = [];

    private ForwardTrace(Transformer model, int[] source, int[] targetIn, bool keepTensors)
    {
        (_model, _c, _keepTensors) = (model, model.Config, keepTensors);
        (Source, TargetIn) = (source, targetIn);
    }

    /// <summary>Source ids [S] (EOS last, no padding).</summary>
    public int[] Source { get; }

    /// <summary>The decoder's input ids [T]: BOS, then the target shifted right.</summary>
    public int[] TargetIn { get; }

    /// <summary>Every tensor in the order computed (empty when traced without tensors).</summary>
    public IReadOnlyList<TraceTensor> Tensors => _tensors;

    /// <summary>Every attention sublayer: encoder self per layer, then per decoder layer its self- and cross-attention.</summary>
    public IReadOnlyList<TracedAttention> Attention => _attention;

    /// <summary>The logits [T, V] (null when traced without them).</summary>
    public float[]? Logits { get; private set; }

    /// <summary>The most likely next token at each decoder position (empty without logits).</summary>
    public int[] Chosen { get; private set; } = [];

    /// <summary>
    /// Runs the trace. <paramref name="withLogits"/> false stops at the decoder's output (statistics need no
    /// vocabulary projection); <paramref name="keepTensors"/> false keeps only <see cref="Attention"/>.
    /// </summary>
    public static ForwardTrace Run(Transformer model, int[] source, int[] targetIn, bool withLogits = true, bool keepTensors = true)
    {
        if (source.Length == 0 || targetIn.Length == 0) throw new ArgumentException("Empty source or target input.");
        if (model.Config.Positions == PositionEncodingKind.Learned && Math.Max(source.Length, targetIn.Length) > model.Config.MaxPositions)
            throw new UserInputException($"the model learned {model.Config.MaxPositions} positions; the sentence needs {Math.Max(source.Length, targetIn.Length)}");
        var trace = new ForwardTrace(model, source, targetIn, keepTensors);
        trace.Forward(withLogits);
        return trace;
    }

    private void Forward(bool withLogits)
    {
        int s = Source.Length, t = TargetIn.Length, d = _c.DModel;
        var x = Embed("source embedding", Source, "S");
        for (int l = 0; l < _c.EncoderLayers; l++)
            x = EncoderLayer(l, x, s);
        if (_c.NormFirst) x = Norm("encoder output", "transformer.encoder.norm", x, s, "S", "memory = LayerNorm(x)  (pre-LN: the stack's final norm)");
        var memory = x;

        var y = Embed("target embedding", TargetIn, "T");
        for (int l = 0; l < _c.DecoderLayers; l++)
            y = DecoderLayer(l, y, t, memory, s);
        if (_c.NormFirst) y = Norm("decoder output", "transformer.decoder.norm", y, t, "T", "h = LayerNorm(y)  (pre-LN: the stack's final norm)");
        if (!withLogits) return;

        // logits [T, V] = h·Eᵀ: the output projection is the embedding, transposed
        var logits = Linear(y, t, d, _model.Embed.Value.Span, default, _c.VocabSize);
        Record("output", "logits = h·Eᵀ", "scores of every vocabulary piece at every decoder position (the shared embedding, transposed)",
            [B, new("T", t), new("V", _c.VocabSize)], logits);
        Logits = logits;
        Chosen = Enumerable.Range(0, t).Select(i => ArgMax(logits.AsSpan(i * _c.VocabSize, _c.VocabSize))).ToArray();
    }

    private static readonly Axis B = new("B", 1);

    // x [n, d] = E[id]·√d_model + PE[pos]
    private float[] Embed(string section, int[] ids, string time)
    {
        int n = ids.Length, d = _c.DModel;
        float scale = MathF.Sqrt(d);
        var e = new float[n * d];
        var table = _model.Embed.Value.Span;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) e[i * d + j] = table[ids[i] * d + j] * scale;
        var pe = PositionMaps.Rows(_model, n);
        var x = Add(e, pe);
        Record(section, "E[token]·√d_model", $"each token's row of the shared embedding E [V={_c.VocabSize}, d_model={d}], times √d_model = {scale:0.##}",
            [B, new(time, n), new("d_model", d)], e);
        Record(section, "PE[pos]", _c.Positions == PositionEncodingKind.Sinusoidal
            ? "PE(pos, 2i) = sin(pos/10000^(2i/d_model)), PE(pos, 2i+1) = cos(pos/10000^(2i/d_model))" : "the learned position table's rows",
            [new(time, n), new("d_model", d)], pe);
        Record(section, "x = E[token]·√d_model + PE[pos]", "what the first layer reads", [B, new(time, n), new("d_model", d)], x);
        return x;
    }

    private float[] EncoderLayer(int l, float[] x, int s)
    {
        string section = $"encoder layer {l + 1}", p = $"transformer.encoder.layers.{l}.";
        var h = Sublayer(section, p + "norm1", x, s, "S", input =>
            MultiHead(section, "encoder self", l, p + "self_attn.", input, s, input, s, causal: false, "S", "S"), "self-attention");
        return Sublayer(section, p + "norm2", h, s, "S", input => FeedForward(section, p, input, s, "S"), "feed-forward");
    }

    private float[] DecoderLayer(int l, float[] y, int t, float[] memory, int s)
    {
        string section = $"decoder layer {l + 1}", p = $"transformer.decoder.layers.{l}.";
        var h1 = Sublayer(section, p + "norm1", y, t, "T", input =>
            MultiHead(section, "decoder self", l, p + "self_attn.", input, t, input, t, causal: true, "T", "T"), "masked self-attention");
        var h2 = Sublayer(section, p + "norm2", h1, t, "T", input =>
            MultiHead(section, "cross", l, p + "multihead_attn.", input, t, memory, s, causal: false, "T", "S"), "encoder–decoder attention");
        return Sublayer(section, p + "norm3", h2, t, "T", input => FeedForward(section, p, input, t, "T"), "feed-forward");
    }

    // Post-LN: LayerNorm(x + Sublayer(x)); pre-LN: x + Sublayer(LayerNorm(x)).
    private float[] Sublayer(string section, string norm, float[] x, int n, string time, Func<float[], float[]> sublayer, string what)
    {
        Axis[] shape = [B, new(time, n), new("d_model", _c.DModel)];
        if (_c.NormFirst)
        {
            var normed = Norm(section, norm, x, n, time, $"LayerNorm(x) before the {what} (pre-LN)");
            var sum = Add(x, sublayer(normed));
            Record(section, $"x + {what}(LayerNorm(x))", "residual connection (pre-LN: no norm after)", shape, sum);
            return sum;
        }
        var residual = Add(x, sublayer(x));
        Record(section, $"x + {what}(x)", "residual connection", shape, residual);
        return Norm(section, norm, residual, n, time, "LayerNorm(x + sublayer(x)): mean 0, variance 1 per position, then ·γ + β");
    }

    private float[] Norm(string section, string name, float[] x, int n, string time, string formula)
    {
        var y = LayerNorm(x, n, _c.DModel, Param(name + ".weight"), Param(name + ".bias"), _c.NormEps);
        Record(section, "LayerNorm", formula, [B, new(time, n), new("d_model", _c.DModel)], y);
        return y;
    }

    // FFN(x) = act(x·W₁ᵀ + b₁)·W₂ᵀ + b₂
    private float[] FeedForward(string section, string p, float[] x, int n, string time)
    {
        int d = _c.DModel, dff = _c.DFf;
        string act = _c.Activation == Activation.Relu ? "ReLU" : "GELU";
        var hidden = Activate(Linear(x, n, d, Param(p + "linear1.weight"), Param(p + "linear1.bias"), dff), _c.Activation);
        Record(section, $"{act}(x·W₁ᵀ + b₁)", $"feed-forward hidden layer, each position alone (W₁ [d_ff={dff}, d_model={d}])", [B, new(time, n), new("d_ff", dff)], hidden);
        var output = Linear(hidden, n, dff, Param(p + "linear2.weight"), Param(p + "linear2.bias"), d);
        Record(section, "FFN(x) = hidden·W₂ᵀ + b₂", "back to d_model", [B, new(time, n), new("d_model", d)], output);
        return output;
    }

    // MultiHead(Q, K, V) = Concat(head_1..head_h)·W_Oᵀ + b_O, head_i = softmax(Q_i·K_iᵀ/√d_k + mask)·V_i
    private float[] MultiHead(string section, string kind, int layer, string p, float[] xq, int nq, float[] xkv, int nk, bool causal,
        string time, string keyTime)
    {
        // a map's axes: "S_q, S_k" when queries and keys are the same sequence, else "T, S"
        (string qAxis, string kAxis) = time == keyTime ? (time + "_q", time + "_k") : (time, keyTime);
        int d = _c.DModel, h = _c.Heads, dk = _c.HeadDim;
        var w = Param(p + "in_proj_weight");
        var b = Param(p + "in_proj_bias");
        var q = SplitHeads(Linear(xq, nq, d, w[..(d * d)], b[..d], d), nq);
        var k = SplitHeads(Linear(xkv, nk, d, w.Slice(d * d, d * d), b.Slice(d, d), d), nk);
        var v = SplitHeads(Linear(xkv, nk, d, w.Slice(2 * d * d, d * d), b.Slice(2 * d, d), d), nk);
        Axis[] heads(string axis, int n) => [B, new("h", h), new(axis, n), new("d_k", dk)];
        string from = kind == "cross" ? "the encoder output (memory)" : "x";
        Record(section, $"{kind}: Q = x·W_Qᵀ + b_Q, split into heads", $"queries from x; d_model={d} = h={h} × d_k={dk}", heads(time, nq), q);
        Record(section, $"{kind}: K = {(kind == "cross" ? "memory" : "x")}·W_Kᵀ + b_K, split into heads", $"keys from {from}", heads(keyTime, nk), k);
        Record(section, $"{kind}: V = {(kind == "cross" ? "memory" : "x")}·W_Vᵀ + b_V, split into heads", $"values from {from}", heads(keyTime, nk), v);

        var scores = new float[h * nq * nk];
        var weights = new float[h * nq * nk];
        double scale = 1 / Math.Sqrt(dk);
        for (int head = 0; head < h; head++)
            for (int i = 0; i < nq; i++)
            {
                int visible = causal ? i + 1 : nk;
                var row = scores.AsSpan((head * nq + i) * nk, nk);
                for (int j = 0; j < nk; j++)
                {
                    double dot = 0;
                    for (int c = 0; c < dk; c++) dot += (double)q[(head * nq + i) * dk + c] * k[(head * nk + j) * dk + c];
                    row[j] = j < visible ? (float)(dot * scale) : float.NegativeInfinity;   // the causal mask: −∞ above the diagonal
                }
                Softmax(row, weights.AsSpan((head * nq + i) * nk, nk), visible);
            }
        Axis[] map = [B, new("h", h), new(qAxis, nq), new(kAxis, nk)];
        Record(section, $"{kind}: scores = Q·Kᵀ/√d_k" + (causal ? " + mask" : ""),
            $"every query against every key, divided by √d_k = {Math.Sqrt(dk):0.##}" + (causal ? "; −∞ where a position would see the future" : ""), map, scores);
        Record(section, $"{kind}: weights = softmax(scores)", "each row sums to 1: the attention map", map, weights);

        var headOut = new float[h * nq * dk];
        for (int head = 0; head < h; head++)
            for (int i = 0; i < nq; i++)
                for (int c = 0; c < dk; c++)
                {
                    double sum = 0;
                    for (int j = 0; j < nk; j++) sum += (double)weights[(head * nq + i) * nk + j] * v[(head * nk + j) * dk + c];
                    headOut[(head * nq + i) * dk + c] = (float)sum;
                }
        Record(section, $"{kind}: head_i = weights·V", "each query's weighted average of the values", heads(time, nq), headOut);
        var concat = ConcatHeads(headOut, nq);
        Record(section, $"{kind}: Concat(head_1..head_{h})", "the heads side by side again", [B, new(time, nq), new("d_model", d)], concat);
        var output = Linear(concat, nq, d, Param(p + "out_proj.weight"), Param(p + "out_proj.bias"), d);
        Record(section, $"{kind}: output = Concat·W_Oᵀ + b_O", "W_O mixes the heads", [B, new(time, nq), new("d_model", d)], output);
        _attention.Add(new TracedAttention(kind, layer, h, dk, nq, nk, q, k, weights, xq, xkv, d, causal));
        return output;
    }

    // [n, d] → [h, n, d_k]: head i takes columns i·d_k .. (i+1)·d_k − 1
    private float[] SplitHeads(float[] x, int n)
    {
        int h = _c.Heads, dk = _c.HeadDim, d = _c.DModel;
        var y = new float[x.Length];
        for (int head = 0; head < h; head++)
            for (int i = 0; i < n; i++)
                Array.Copy(x, i * d + head * dk, y, (head * n + i) * dk, dk);
        return y;
    }

    // [h, n, d_k] → [n, d]
    private float[] ConcatHeads(float[] x, int n)
    {
        int h = _c.Heads, dk = _c.HeadDim, d = _c.DModel;
        var y = new float[x.Length];
        for (int head = 0; head < h; head++)
            for (int i = 0; i < n; i++)
                Array.Copy(x, (head * n + i) * dk, y, i * d + head * dk, dk);
        return y;
    }

    private ReadOnlySpan<float> Param(string name) => _model.ParameterByName[name].Value.Span;

    private void Record(string section, string name, string formula, Axis[] axes, float[] values)
    {
        if (_keepTensors) _tensors.Add(new TraceTensor(section, name, formula, axes, values));
    }

    private static int ArgMax(ReadOnlySpan<float> v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    /// <summary>How far the trace is from the model's own forward pass over the same ids.</summary>
    public sealed record Agreement(double MaxLogitDifference, double LargestLogit, double MaxWeightDifference);

    /// <summary>Runs the model's training-path forward pass (no dropout) on the same ids and compares logits and every attention map.</summary>
    public Agreement CompareWithModel()
    {
        var network = _model.CreateWorkspace();
        var logits = network.Forward(Source, TargetIn, 1, Source.Length, TargetIn.Length, ForwardContext.Eval).Span;
        double logitDiff = 0, largest = 0;
        if (Logits != null)
            for (int i = 0; i < logits.Length; i++)
            {
                logitDiff = Math.Max(logitDiff, Math.Abs(logits[i] - Logits[i]));
                largest = Math.Max(largest, Math.Abs(logits[i]));
            }
        double weightDiff = 0;
        foreach (var a in _attention)
        {
            var mha = a.Kind switch
            {
                "encoder self" => network.Encoder.Layers[a.Layer].SelfAttention,
                "decoder self" => network.Decoder.Layers[a.Layer].SelfAttention,
                _ => network.Decoder.Layers[a.Layer].CrossAttention,
            };
            var w = mha.Weights.Span;
            for (int i = 0; i < a.Weights.Length; i++) weightDiff = Math.Max(weightDiff, Math.Abs(w[i] - a.Weights[i]));
        }
        return new Agreement(logitDiff, largest, weightDiff);
    }
}
