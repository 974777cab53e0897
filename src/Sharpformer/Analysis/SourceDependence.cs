using System.Numerics.Tensors;
using Sharpformer.Layers;
using Sharpformer.Model;
using Sharpformer.Training;

namespace Sharpformer.Analysis;

/// <summary>
/// Which source positions a model's decoder depends on when it reads a reference translation (teacher forcing,
/// no dropout), per sentence and source position j (EOS last):
/// <list type="bullet">
/// <item>gradient saliency ‖∂ log p(y | x) / ∂x_j‖₂, x_j the embedded source vector at j (E[id]·√d, plus PE for the
/// Transformer) and log p(y | x) the reference's log-likelihood, Σ_t log p(y_t | y_&lt;t, x) over its tokens and EOS:
/// how much the output would change if word j changed. Defined for every architecture.</item>
/// <item>attention mass (1/T) Σ_t a_tj: the share of the decoder's attention that lands on j, averaged over the T target
/// positions (and, for the Transformer, over every cross-attention layer and head). Only for attentional models.</item>
/// </list>
/// Sentences are run in batches of similar length; a row's padding never reaches another row, so batching changes nothing.
/// </summary>
public static class SourceDependence
{
    /// <summary>Per sentence, ‖∂ log p(y | x)/∂x_j‖₂ for each source position j of <paramref name="sources"/>[i] (ids ending with EOS).</summary>
    /// <param name="targets">The references' ids, without BOS or EOS.</param>
    public static IReadOnlyList<float[]> GradientNorms(ITrainableModel model, IReadOnlyList<int[]> sources, IReadOnlyList<int[]> targets, int batchTokens = 2048)
    {
        var network = model.CreateWorkspace();
        var loss = new LabelSmoothedCrossEntropy(0f, model.Tokens.PadId);
        var result = new float[sources.Count][];
        foreach (var (rows, batch) in Batches(model, sources, targets, batchTokens))
        {
            var logits = network.Forward(batch.Source, batch.TargetIn, batch.Batch, batch.SourceLength, batch.TargetLength, ForwardContext.Eval);
            // ∂(mean NLL)/∂logits in place, scaled by the token count: ∂(−Σ_t log p(y_t))/∂logits, each row's own sum
            var stats = loss.Compute(logits, batch.TargetOut, batch.Batch * batch.TargetLength, logits);
            TensorPrimitives.Multiply(logits.Span, (float)stats.Tokens, logits.Span);
            network.ZeroGrad();
            network.Backward(logits);
            var dx = SourceEmbeddingGrad(network).Span;                                   // [B, S, d]
            int d = dx.Length / (batch.Batch * batch.SourceLength);
            for (int r = 0; r < rows.Length; r++)
            {
                int n = sources[rows[r]].Length;
                var norms = new float[n];
                for (int j = 0; j < n; j++) norms[j] = TensorPrimitives.Norm(dx.Slice((r * batch.SourceLength + j) * d, d));
                result[rows[r]] = norms;
            }
        }
        return result;
    }

    /// <summary>
    /// Per sentence, the decoder's mean attention on each source position while it reads the reference (summing to 1
    /// over the positions); null for a model without attention.
    /// </summary>
    public static IReadOnlyList<float[]>? AttentionMass(ITrainableModel model, IReadOnlyList<int[]> sources, IReadOnlyList<int[]> targets, int batchTokens = 2048)
    {
        var network = model.CreateWorkspace();
        if (network is RnnNetwork { Config.Attention: RnnAttentionKind.None }) return null;
        var result = new float[sources.Count][];
        foreach (var (rows, batch) in Batches(model, sources, targets, batchTokens))
        {
            network.Forward(batch.Source, batch.TargetIn, batch.Batch, batch.SourceLength, batch.TargetLength, ForwardContext.Eval);
            var maps = CrossAttention(network);                                           // each [B, heads, T, S]
            int s = batch.SourceLength, t = batch.TargetLength;
            for (int r = 0; r < rows.Length; r++)
            {
                int n = sources[rows[r]].Length, steps = targets[rows[r]].Length + 1;    // the reference's tokens and EOS
                var mass = new double[n];
                int averaged = 0;
                foreach (var (weights, heads) in maps)
                    for (int h = 0; h < heads; h++, averaged++)
                        for (int i = 0; i < steps; i++)
                        {
                            var row = weights.Span.Slice(((r * heads + h) * t + i) * s, s);
                            for (int j = 0; j < n; j++) mass[j] += row[j];
                        }
                result[rows[r]] = mass.Select(m => (float)(m / (averaged * steps))).ToArray();
            }
        }
        return result;
    }

    /// <summary>∂L/∂x [B, S, d] of the embedded source after the network's last Backward.</summary>
    public static Tensor SourceEmbeddingGrad(ITrainingNetwork network) => network switch
    {
        RnnNetwork rnn => rnn.SourceEmbeddingGrad,
        TransformerNetwork transformer => transformer.SourceEmbeddingGrad,
        _ => throw new UserInputException($"{network.GetType().Name}: no gradient with respect to the source embedding is available for this architecture"),
    };

    // The attention maps of the last forward with their head counts: the Transformer's cross-attention of every decoder
    // layer [B, h, T, S], or the RNN decoder's one attention [B, T, S] (one head).
    private static IReadOnlyList<(Tensor Weights, int Heads)> CrossAttention(ITrainingNetwork network) => network switch
    {
        RnnNetwork rnn => [(rnn.AttentionWeights!, 1)],
        TransformerNetwork transformer => transformer.Decoder.Layers.Select(l => (l.CrossAttention.Weights, l.CrossAttention.Heads)).ToArray(),
        _ => throw new UserInputException($"{network.GetType().Name}: no cross-attention weights are available for this architecture"),
    };

    /// <summary>
    /// Pairs in batches of similar length under <paramref name="batchTokens"/> (rows × longest source plus target):
    /// each batch's original indices and its padded teacher-forcing tensors.
    /// </summary>
    internal static IEnumerable<(int[] Rows, Seq2SeqBatch Batch)> Batches(ITrainableModel model, IReadOnlyList<int[]> sources, IReadOnlyList<int[]> targets,
        int batchTokens)
    {
        if (sources.Count != targets.Count) throw new ArgumentException($"{sources.Count} sources but {targets.Count} targets.");
        ArgumentOutOfRangeException.ThrowIfLessThan(batchTokens, 1);
        var spec = model.Tokens;
        var order = Enumerable.Range(0, sources.Count).Where(i => sources[i].Length > 0)
            .OrderByDescending(i => sources[i].Length + targets[i].Length).ToArray();
        var rows = new List<int>();
        int widest = 0;
        foreach (int i in order)
        {
            int width = Math.Max(widest, sources[i].Length + targets[i].Length + 1);
            if (rows.Count > 0 && (rows.Count + 1) * width > batchTokens)
            {
                yield return Make(rows);
                rows.Clear();
                width = sources[i].Length + targets[i].Length + 1;
            }
            rows.Add(i);
            widest = width;
        }
        if (rows.Count > 0) yield return Make(rows);

        (int[], Seq2SeqBatch) Make(List<int> batch) => (batch.ToArray(),
            Seq2SeqBatch.FromSequences(batch.Select(i => sources[i]).ToArray(), batch.Select(i => targets[i]).ToArray(), spec.PadId, spec.BosId, spec.EosId));
    }
}
