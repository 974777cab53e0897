using System.Numerics.Tensors;
using Sharpformer.Layers;
using Sharpformer.Layers.Recurrent;
using Sharpformer.Model;
using Sharpformer.Training;

namespace Sharpformer.Analysis;

/// <summary>What is differentiated with respect to each encoder state h_s.</summary>
public enum RecurrenceGradientOf
{
    /// <summary>Σ_i h_n[i], the sum of the layer's own final state: only the recurrence carries it back, so the norm at h_s is
    /// the product of the step Jacobians ∂h_{s+1}/∂h_s ⋯ ∂h_n/∂h_{n−1} applied to a vector of ones.</summary>
    FinalStateSum,

    /// <summary>log p(y | x) of the reference: everything the decoder reads from the encoder (the final state only for
    /// rnn; every state through attention otherwise).</summary>
    Loss,
}

/// <summary>
/// One sentence through one encoder layer (one direction), in walking order: h_0 (the initial state) … h_n after the n
/// source positions (EOS included).
/// </summary>
/// <param name="Updates">‖h_s − h_{s−1}‖₂ for s = 1 … n: how far step s moved the state.</param>
/// <param name="StateNorms">‖h_s‖₂ for s = 1 … n.</param>
/// <param name="Gradients">‖∂f/∂h_s‖₂ for s = 0 … n, f as chosen (<see cref="RecurrenceGradientOf"/>); entry s lies n − s steps before the end.</param>
public sealed record RecurrenceTrace(float[] Updates, float[] StateNorms, float[] Gradients)
{
    /// <summary>The gradient norms by distance from the end: entry d is ‖∂f/∂h_{n−d}‖ (d = 0: the final state).</summary>
    public float[] GradientsByDistance => Gradients.Reverse().ToArray();
}

/// <summary>
/// Note 002's two claims about a vanilla (tanh) RNN, measured on an encoder: (1) the update each step adds to the state
/// shrinks, because tanh squashes h_s = tanh(W_ih x_s + W_hh h_{s−1} + b) into (−1, 1); (2) the gradient that reaches an
/// early state from the end vanishes, because it is multiplied by diag(1 − h²)·W_hh once per step. They are different
/// quantities: the first is a forward-pass fact about h, the second a backward-pass fact about ∂h_n/∂h_s.
/// Works for every cell (for GRU and LSTM the same two norms, without the tanh-specific reading).
/// </summary>
public static class RecurrenceDynamics
{
    /// <summary>
    /// The trace of every source (ids ending with EOS) through encoder layer <paramref name="layer"/> (direction
    /// <paramref name="reverse"/>), one sentence at a time. <paramref name="targets"/> (reference ids without BOS/EOS) are
    /// needed for <see cref="RecurrenceGradientOf.Loss"/>.
    /// </summary>
    public static IReadOnlyList<RecurrenceTrace> Trace(RnnSeq2Seq model, IReadOnlyList<int[]> sources, int layer = 0, bool reverse = false,
        RecurrenceGradientOf of = RecurrenceGradientOf.FinalStateSum, IReadOnlyList<int[]>? targets = null)
    {
        var network = model.CreateWorkspace();
        var encoder = network.Encoder;
        if (layer < 0 || layer >= encoder.LayerCount)
            throw UserInputException.ForField("Layer", $"the encoder has {encoder.LayerCount} layer(s), numbered from 0; got {layer}");
        if (reverse && !encoder.Bidirectional) throw UserInputException.ForField("Reverse", "the encoder is not bidirectional: it has no reverse direction");
        if (of == RecurrenceGradientOf.Loss && (targets == null || targets.Count != sources.Count))
            throw UserInputException.ForField("Targets", "the loss's gradient needs one reference per source");
        int k = layer * encoder.Directions + (reverse ? 1 : 0), hidden = encoder.HiddenSize;
        var loss = new LabelSmoothedCrossEntropy(0f, model.Tokens.PadId);
        var traces = new RecurrenceTrace[sources.Count];
        for (int i = 0; i < sources.Count; i++)
        {
            int[] source = sources[i];
            if (source.Length == 0) throw UserInputException.ForField("Sources", $"sentence {i + 1} has no tokens");
            if (of == RecurrenceGradientOf.FinalStateSum)
            {
                network.Encode(source, 1, source.Length, ForwardContext.Eval);
                var dOutput = new Tensor(1, source.Length, encoder.OutputSize);            // no gradient from the outputs
                var dhN = new Tensor(encoder.Layers.Count, 1, hidden);                    // ∂f/∂h_n: ones on the chosen layer and direction
                dhN.Span.Slice(k * hidden, hidden).Fill(1f);
                encoder.Backward(dOutput, dhN, encoder.HasCellState ? new Tensor(encoder.Layers.Count, 1, hidden) : null);
            }
            else
            {
                var batch = Seq2SeqBatch.FromSequences([source], [targets![i]], model.Tokens.PadId, model.Tokens.BosId, model.Tokens.EosId);
                var logits = network.Forward(batch.Source, batch.TargetIn, 1, batch.SourceLength, batch.TargetLength, ForwardContext.Eval);
                var stats = loss.Compute(logits, batch.TargetOut, batch.TargetLength, logits);
                TensorPrimitives.Multiply(logits.Span, (float)stats.Tokens, logits.Span);   // ∂(−Σ_t log p(y_t))/∂logits
                network.ZeroGrad();
                network.Backward(logits);
            }
            traces[i] = Read(encoder.Layers[k], source.Length, hidden);
        }
        return traces;
    }

    // States and state gradients [n+1, 1, H] of the last pass, in walking order.
    private static RecurrenceTrace Read(RecurrentLayer layer, int n, int hidden)
    {
        var states = layer.States;
        var grads = layer.StateGrads;
        var updates = new float[n];
        var norms = new float[n];
        var gradients = new float[n + 1];
        var buffer = new float[hidden];
        for (int s = 1; s <= n; s++)
        {
            var h = states.Slice(s * hidden, hidden);
            TensorPrimitives.Subtract(h, states.Slice((s - 1) * hidden, hidden), buffer);
            updates[s - 1] = TensorPrimitives.Norm(buffer);
            norms[s - 1] = TensorPrimitives.Norm(h);
        }
        for (int s = 0; s <= n; s++) gradients[s] = TensorPrimitives.Norm(grads.Slice(s * hidden, hidden));
        return new RecurrenceTrace(updates, norms, gradients);
    }
}

/// <summary>Median, quartiles, geometric mean and count of a quantity at one step (or one distance from the end).</summary>
public sealed record StepStatistics(int Index, int Count, double Median, double Lower, double Upper, double Mean, double GeometricMean)
{
    /// <summary>Statistics of column <c>index</c> over every trace long enough to have it.</summary>
    public static IReadOnlyList<StepStatistics> Columns(IEnumerable<float[]> rows, int minCount = 1)
    {
        var columns = new List<List<double>>();
        foreach (var row in rows)
            for (int i = 0; i < row.Length; i++)
            {
                while (columns.Count <= i) columns.Add([]);
                columns[i].Add(row[i]);
            }
        return columns.Select((values, i) => Of(i, values)).Where(s => s.Count >= minCount).ToArray();
    }

    public static StepStatistics Of(int index, List<double> values)
    {
        values.Sort();
        double Quantile(double q)
        {
            double at = q * (values.Count - 1);
            int lo = (int)Math.Floor(at), hi = (int)Math.Ceiling(at);
            return values[lo] + (at - lo) * (values[hi] - values[lo]);
        }
        double logMean = values.All(v => v > 0) ? Math.Exp(values.Average(v => Math.Log(v))) : 0;
        return new StepStatistics(index, values.Count, Quantile(0.5), Quantile(0.25), Quantile(0.75), values.Average(), logMean);
    }
}
