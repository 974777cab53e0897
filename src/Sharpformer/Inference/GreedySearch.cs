using System.Numerics.Tensors;
using Sharpformer.Layers;
using Sharpformer.Model;

namespace Sharpformer.Inference;

/// <summary>
/// Greedy decoding: encode the source once, then repeatedly feed the most likely next token,
/// starting from BOS, until every row has produced EOS or the length limit is reached.
/// Finished rows are dropped from the batch so later steps only pay for live rows.
/// </summary>
public static class GreedySearch
{
    /// <summary>
    /// Decodes a batch of sources [B, S] (padded with the pad id). Returns, per row, the generated ids
    /// without BOS, ending with EOS when the row finished within <paramref name="maxSteps"/>.
    /// </summary>
    public static int[][] Decode(Transformer model, ReadOnlySpan<int> source, int batch, int sourceLength, int maxSteps)
    {
        var cfg = model.Config;
        var outputs = Enumerable.Range(0, batch).Select(_ => new List<int>()).ToArray();
        if (batch == 0 || maxSteps <= 0) return outputs.Select(o => o.ToArray()).ToArray();
        var memory = model.Encode(source, batch, sourceLength, ForwardContext.Eval);   // [B, S, d]
        var decoder = new IncrementalDecoder(model, maxSteps);
        decoder.Start(memory, source);

        var live = Enumerable.Range(0, batch).ToArray();       // decoder row → batch row
        var tokens = Enumerable.Repeat(cfg.BosId, batch).ToArray();
        var logits = new float[batch * cfg.VocabSize];
        for (int step = 0; step < maxSteps && live.Length > 0; step++)
        {
            int rows = live.Length;
            decoder.Step(tokens.AsSpan(0, rows), logits.AsSpan(0, rows * cfg.VocabSize));
            var keep = new List<int>(rows);
            for (int r = 0; r < rows; r++)
            {
                int next = TensorPrimitives.IndexOfMax(logits.AsSpan(r * cfg.VocabSize, cfg.VocabSize));
                outputs[live[r]].Add(next);
                tokens[r] = next;
                if (next != cfg.EosId) keep.Add(r);
            }
            if (keep.Count < rows && keep.Count > 0)
            {
                decoder.Reorder(keep.ToArray());
                live = keep.Select(r => live[r]).ToArray();
                for (int i = 0; i < keep.Count; i++) tokens[i] = tokens[keep[i]];
            }
            else if (keep.Count == 0) live = [];
        }
        return outputs.Select(o => o.ToArray()).ToArray();
    }
}
