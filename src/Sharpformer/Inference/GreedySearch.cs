using System.Numerics.Tensors;
using Sharpformer.Layers;
using Sharpformer.Model;

namespace Sharpformer.Inference;

/// <summary>
/// Greedy decoding: encode the source once, then repeatedly feed the most likely next token,
/// starting from BOS, until every row has produced EOS or reached its length limit.
/// Finished rows are dropped from the batch so later steps only pay for live rows.
/// The pad id is never chosen (it is masked out of the decoder's own keys in training, so it is not a
/// real output); ties go to the lowest id. Beam search of width 1 retraces this exactly.
/// </summary>
public static class GreedySearch
{
    /// <summary>
    /// Decodes a batch of sources [B, S] (padded with the pad id). Returns, per row, the generated ids
    /// without BOS, ending with EOS when the row finished within <paramref name="maxSteps"/>.
    /// </summary>
    public static int[][] Decode(Transformer model, ReadOnlySpan<int> source, int batch, int sourceLength, int maxSteps)
    {
        int eos = model.Config.EosId;
        return Decode(model, source, batch, sourceLength, OutputLengthRule.Fixed(maxSteps))
            .Select(h => h.EndedWithEos ? [.. h.Tokens, eos] : h.Tokens).ToArray();
    }

    /// <summary>
    /// Decodes a batch of sources [B, S] (padded with the pad id), each row up to its own limit from
    /// <paramref name="length"/>. Returns, per row, the output without BOS/EOS and its log-probability
    /// (Score = LogProb: greedy applies no length penalty).
    /// </summary>
    public static Hypothesis[] Decode(Transformer model, ReadOnlySpan<int> source, int batch, int sourceLength, OutputLengthRule length)
    {
        var cfg = model.Config;
        int vocab = cfg.VocabSize;
        var limits = length.ForBatch(model, source, batch, sourceLength);
        var outputs = Enumerable.Range(0, batch).Select(_ => new List<int>()).ToArray();
        var logProbs = new double[batch];
        var ended = new bool[batch];
        var live = Enumerable.Range(0, batch).Where(b => limits[b] > 0).ToArray();   // decoder row → batch row

        if (live.Length > 0)
        {
            var memory = model.Encode(source, batch, sourceLength, ForwardContext.Eval);   // [B, S, d]
            var decoder = new IncrementalDecoder(model, live.Max(b => limits[b]));
            decoder.Start(memory, source);
            if (live.Length < batch) decoder.Reorder(live);

            var tokens = Enumerable.Repeat(cfg.BosId, live.Length).ToArray();
            var logits = new float[live.Length * vocab];
            var scratch = new float[vocab];
            for (int step = 0; live.Length > 0; step++)
            {
                int rows = live.Length;
                decoder.Step(tokens.AsSpan(0, rows), logits.AsSpan(0, rows * vocab));
                var keep = new List<int>(rows);
                for (int r = 0; r < rows; r++)
                {
                    var logProb = logits.AsSpan(r * vocab, vocab);
                    LogSoftmax.InPlace(logProb, scratch);
                    if (cfg.PadId != cfg.EosId) logProb[cfg.PadId] = float.NegativeInfinity;
                    int next = TensorPrimitives.IndexOfMax(logProb);
                    int b = live[r];
                    logProbs[b] += logProb[next];
                    tokens[r] = next;
                    if (next == cfg.EosId) { ended[b] = true; continue; }
                    outputs[b].Add(next);
                    if (step + 1 < limits[b]) keep.Add(r);
                }
                if (keep.Count == rows) continue;
                if (keep.Count > 0) decoder.Reorder(keep.ToArray());
                live = keep.Select(r => live[r]).ToArray();
                for (int i = 0; i < keep.Count; i++) tokens[i] = tokens[keep[i]];
            }
        }
        return Enumerable.Range(0, batch).Select(b => new Hypothesis(outputs[b].ToArray(), logProbs[b], logProbs[b], ended[b])).ToArray();
    }
}
