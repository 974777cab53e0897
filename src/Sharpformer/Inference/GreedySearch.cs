using System.Runtime.InteropServices;
using Sharpformer.Layers;
using Sharpformer.Model;

namespace Sharpformer.Inference;

/// <summary>
/// One hypothesis per sentence: encode the source once, then repeatedly feed the next token chosen by
/// a strategy (argmax: greedy decoding), starting from BOS, until every row has produced EOS or reached
/// its length limit. Finished rows are dropped from the decoder so later steps only pay for live rows.
/// The pad id is never chosen (it is masked out of the decoder's own keys in training, so it is not a
/// real output); argmax ties go to the lowest id. Beam search of width 1 retraces greedy exactly.
/// </summary>
public static class GreedySearch
{
    /// <summary>
    /// Decodes a batch of sources [B, S] (padded with the pad id). Returns, per row, the generated ids
    /// without BOS, ending with EOS when the row finished within <paramref name="maxSteps"/>.
    /// </summary>
    public static int[][] Decode(ISeq2SeqModel model, ReadOnlySpan<int> source, int batch, int sourceLength, int maxSteps)
    {
        int eos = model.Tokens.EosId;
        return Decode(model, source, batch, sourceLength, OutputLengthRule.Fixed(maxSteps))
            .Select(h => h.EndedWithEos ? [.. h.Tokens, eos] : h.Tokens).ToArray();
    }

    /// <summary>
    /// Decodes a batch of sources [B, S] (padded with the pad id), each row up to its own limit from
    /// <paramref name="length"/>, choosing tokens by <paramref name="strategy"/> (null: argmax). Returns, per
    /// row, the output without BOS/EOS and its log-probability (Score = LogProb: no length penalty applies).
    /// With <paramref name="noRepeatNGram"/> &gt; 0, no n-gram of that size occurs twice in an output.
    /// </summary>
    public static Hypothesis[] Decode(ISeq2SeqModel model, ReadOnlySpan<int> source, int batch, int sourceLength, OutputLengthRule length,
        INextTokenStrategy? strategy = null, int noRepeatNGram = 0)
    {
        strategy ??= ArgmaxStrategy.Instance;
        var spec = model.Tokens;
        int vocab = spec.VocabSize;
        var limits = length.ForBatch(model, source, batch, sourceLength);
        var outputs = Enumerable.Range(0, batch).Select(_ => new List<int>()).ToArray();
        var logProbs = new double[batch];
        var ended = new bool[batch];
        using var decoder = DecodeStart.Begin(model, source, batch, sourceLength, limits, out var live);   // decoder row → batch row
        if (decoder != null)
        {
            var tokens = Enumerable.Repeat(spec.BosId, live.Length).ToArray();
            for (int step = 0; live.Length > 0; step++)
            {
                int rows = live.Length;
                var logits = decoder.Step(tokens.AsSpan(0, rows));                           // [rows, V] log-probabilities
                var keep = new List<int>(rows);
                for (int r = 0; r < rows; r++)
                {
                    var logProb = logits.Slice(r * vocab, vocab);
                    if (spec.PadId != spec.EosId) logProb[spec.PadId] = float.NegativeInfinity;
                    int b = live[r];
                    var history = CollectionsMarshal.AsSpan(outputs[b]);
                    NoRepeatNGram.Ban(logProb, history, noRepeatNGram);
                    int next = strategy.Choose(logProb, b, history);
                    logProbs[b] += logProb[next];
                    tokens[r] = next;
                    if (next == spec.EosId) { ended[b] = true; continue; }
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
