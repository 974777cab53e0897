using Sharpformer.Model;

namespace Sharpformer.Inference;

/// <summary>
/// The model's log-probability of a given target (a reference answer or translation), fed token by token
/// through the model contract: BOS, then the target's own tokens (teacher forcing), reading at each step
/// log p(y_t | y_&lt;t, x) of the next reference token and finally of EOS. These are the decoder's
/// log-softmax outputs over the whole vocabulary, exactly what the searches see before they exclude the
/// pad id, with no label smoothing and no dropout, so any architecture that meets the contract is scored alike.
/// </summary>
public static class TeacherForcing
{
    /// <summary>One target's score: Σ log p over its tokens and EOS, and how many that is (|y| + 1).</summary>
    public readonly record struct TargetScore(double LogProb, int Tokens);

    /// <summary>
    /// Scores every (source, target) pair. Sources hold ids ending with EOS, as the translator encodes them;
    /// targets hold ids without BOS or EOS. Pairs are decoded in batches of similar target length under
    /// <paramref name="batchTokens"/> (source plus target tokens per row). A target too long for the model's
    /// position table (|y| + 1 &gt; <see cref="ISeq2SeqModel.MaxTargetPositions"/>) gets NaN and 0 tokens.
    /// </summary>
    public static TargetScore[] Score(ISeq2SeqModel model, IReadOnlyList<int[]> sources, IReadOnlyList<int[]> targets, int batchTokens = 4096)
    {
        if (sources.Count != targets.Count) throw new ArgumentException($"{sources.Count} sources but {targets.Count} targets.");
        ArgumentOutOfRangeException.ThrowIfLessThan(batchTokens, 1);
        var scores = new TargetScore[sources.Count];
        var order = Enumerable.Range(0, sources.Count).Where(i =>
        {
            bool fits = targets[i].Length + 1 <= model.MaxTargetPositions;
            if (!fits) scores[i] = new TargetScore(double.NaN, 0);
            return fits;
        }).OrderByDescending(i => targets[i].Length).ToArray();

        var batch = new List<int>();
        int widest = 0;
        foreach (int i in order)
        {
            int width = Math.Max(widest, sources[i].Length + targets[i].Length + 1);
            if (batch.Count > 0 && (batch.Count + 1) * width > batchTokens)
            {
                ScoreBatch(model, sources, targets, batch, scores);
                batch.Clear();
                width = sources[i].Length + targets[i].Length + 1;
            }
            batch.Add(i);
            widest = width;
        }
        if (batch.Count > 0) ScoreBatch(model, sources, targets, batch, scores);
        return scores;
    }

    /// <summary>
    /// Perplexity per token: exp(−Σ log p / Σ tokens) over every scored target, EOS included (NaN-scored
    /// targets left out); NaN when nothing was scored.
    /// </summary>
    public static double Perplexity(IEnumerable<TargetScore> scores)
    {
        double logProb = 0;
        long tokens = 0;
        foreach (var s in scores)
        {
            if (s.Tokens == 0) continue;
            logProb += s.LogProb;
            tokens += s.Tokens;
        }
        return tokens == 0 ? double.NaN : Math.Exp(-logProb / tokens);
    }

    // Rows are sorted longest target first, so the rows still reading are always a prefix: a finished row
    // leaves the decoder by keeping the first `live` rows.
    private static void ScoreBatch(ISeq2SeqModel model, IReadOnlyList<int[]> sources, IReadOnlyList<int[]> targets, List<int> rows, TargetScore[] scores)
    {
        var spec = model.Tokens;
        int b = rows.Count, s = rows.Max(i => sources[i].Length), steps = targets[rows[0]].Length + 1, vocab = spec.VocabSize;
        var padded = new int[b * s];                                                         // [B, S]
        Array.Fill(padded, spec.PadId);
        for (int r = 0; r < b; r++) sources[rows[r]].CopyTo(padded, r * s);
        var sums = new double[b];
        var encoded = model.Encode(padded, b, s);
        using (var decoder = model.StartDecoder(encoded, copies: 1, maxSteps: steps))
        {
            var feed = new int[b];
            int live = b;
            for (int t = 0; t < steps; t++)
            {
                for (int r = 0; r < live; r++) feed[r] = t == 0 ? spec.BosId : targets[rows[r]][t - 1];
                var logProbs = decoder.Step(feed.AsSpan(0, live));                           // [live, V]
                for (int r = 0; r < live; r++)
                {
                    var target = targets[rows[r]];
                    sums[r] += logProbs[r * vocab + (t < target.Length ? target[t] : spec.EosId)];
                }
                int stillReading = live;
                while (stillReading > 0 && targets[rows[stillReading - 1]].Length + 1 <= t + 1) stillReading--;
                if (stillReading == 0) break;
                if (stillReading < live)
                {
                    decoder.Reorder(Enumerable.Range(0, stillReading).ToArray());
                    live = stillReading;
                }
            }
        }
        for (int r = 0; r < b; r++) scores[rows[r]] = new TargetScore(sums[r], targets[rows[r]].Length + 1);
    }
}
