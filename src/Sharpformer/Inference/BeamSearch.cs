using Sharpformer.Model;

namespace Sharpformer.Inference;

/// <summary>
/// One sentence's beam search output: its n-best list, best first (never empty), and the number of
/// decoder steps the sentence took part in (its cost; fewer than its length limit when it stopped early).
/// </summary>
public sealed record BeamSearchResult(IReadOnlyList<Hypothesis> NBest, int Steps)
{
    public Hypothesis Best => NBest[0];

    /// <summary>The best output's ids, without BOS and EOS.</summary>
    public int[] BestTokens => Best.Tokens;
}

/// <summary>
/// Batched beam search over one <see cref="IDecoderState"/>: every sentence's live beams are rows
/// of the same decoder, grouped by sentence. Each step, per sentence:
/// <list type="number">
/// <item>every live beam's next-token log-probabilities (log-softmax over the whole vocabulary; the pad id
/// is then excluded) are added to the beam's log-probability, and the best 2K expansions are taken
/// (ties: lower beam, then lower id). At the first step a sentence has a single beam (BOS), so K
/// identical beams are never expanded;</item>
/// <item>walking them best first, an expansion ending in EOS finishes — if it ranks among the first K,
/// as it would have survived as a beam — and the first K others become the new live beams;</item>
/// <item>at the sentence's length limit the best K expansions all finish, with or without EOS;</item>
/// <item>finished hypotheses are ranked by log P / lp(|Y|) (GNMT penalty, |Y| counting EOS) and the best
/// K are kept; the sentence stops by <see cref="BeamSearchOptions.Stopping"/>.</item>
/// </list>
/// A stopped sentence's rows leave the decoder (<see cref="IDecoderState.Reorder"/>), so later steps
/// only pay for live rows.
/// </summary>
public static class BeamSearch
{
    /// <summary>
    /// Decodes sources [B, S] (padded with the pad id; <paramref name="options"/> null: the defaults) and returns
    /// one result per row. The decoder state is the search's own, so searches may run concurrently on one model.
    /// </summary>
    public static BeamSearchResult[] Search(ISeq2SeqModel model, ReadOnlySpan<int> source, int batch, int sourceLength, BeamSearchOptions? options = null)
    {
        options = (options ?? new BeamSearchOptions()).Validate();
        var spec = model.Tokens;
        int vocab = spec.VocabSize;
        var limits = options.OutputLength.ForBatch(model, source, batch, sourceLength);
        var sentences = limits.Select(limit => new SentenceState(limit, options.BeamSize, options)).ToArray();
        using var decoder = DecodeStart.Begin(model, source, batch, sourceLength, limits, out var live);
        if (decoder != null)
        {
            var beams = new LiveBeams();
            for (int r = 0; r < live.Length; r++) beams.Add(live[r], r, 0.0, [], spec.BosId);
            var candidates = new BeamCandidates();
            for (int step = 0; beams.Count > 0; step++)
            {
                int rows = beams.Count;
                var logits = decoder.Step(beams.Tokens.ToArray());                           // [rows, V] log-probabilities
                for (int r = 0; r < rows; r++)
                {
                    var row = logits.Slice(r * vocab, vocab);
                    if (spec.PadId != spec.EosId) row[spec.PadId] = float.NegativeInfinity;
                    NoRepeatNGram.Ban(row, beams.Prefixes[r], options.NoRepeatNGramSize);
                }
                var next = new LiveBeams();
                for (int first = 0; first < rows;)
                {
                    int sentence = beams.Sentences[first], end = first;
                    while (end < rows && beams.Sentences[end] == sentence) end++;
                    Expand(sentences[sentence], sentence, beams, first, end, step, logits, vocab, spec.EosId, candidates, next);
                    first = end;
                }
                if (next.Count == 0) break;
                if (!next.IsIdentityOf(rows)) decoder.Reorder(next.Parents.ToArray());
                beams = next;
            }
        }
        return sentences.Select(s => new BeamSearchResult(s.Result(options.NBest), s.Steps)).ToArray();
    }

    // One step of one sentence: beams rows [first, end) → finished hypotheses and the next live beams.
    private static void Expand(SentenceState s, int sentence, LiveBeams beams, int first, int end, int step,
        Span<float> logits, int vocab, int eos, BeamCandidates candidates, LiveBeams next)
    {
        int k = s.BeamSize, generated = step + 1;
        s.Steps++;
        bool atLimit = generated >= s.Limit;
        candidates.Reset(atLimit ? k : 2 * k);
        for (int r = first; r < end; r++) candidates.OfferRow(r, beams.Scores[r], logits.Slice(r * vocab, vocab));

        int liveStart = next.Count;
        for (int rank = 0; rank < candidates.Count; rank++)
        {
            var (score, row, token) = candidates[rank];
            if (atLimit || token == eos)
            {
                if (rank >= k) continue;   // an EOS the beam would not have kept
                bool closed = token == eos;
                int[] tokens = closed ? beams.Prefixes[row] : [.. beams.Prefixes[row], token];
                s.Finished.Add(new Hypothesis(tokens, score, LengthPenalty.Normalize(score, generated, s.Alpha), closed));
            }
            else if (next.Count - liveStart < k)
                next.Add(sentence, row, score, [.. beams.Prefixes[row], token], token);
        }
        if (next.Count > liveStart && s.CanStop(bestLive: next.Scores[liveStart], generated))
            next.TruncateTo(liveStart);
    }

    private sealed class SentenceState(int limit, int beamSize, BeamSearchOptions options)
    {
        public int Limit { get; } = limit;
        public int BeamSize { get; } = beamSize;
        public double Alpha { get; } = options.LengthPenalty;
        public FinishedHypotheses Finished { get; } = new(beamSize);
        public int Steps { get; set; }

        // True when no continuation of the live beams (best log-probability bestLive, `generated` tokens
        // so far) can enter the finished top K; see BeamStopRule.
        public bool CanStop(double bestLive, int generated)
        {
            if (!Finished.IsFull) return false;
            if (options.Stopping == BeamStopRule.FirstFinished) return true;
            // A continuation ends with between generated+1 and Limit tokens; bestLive ≤ 0, so dividing
            // by the largest lp over that range gives the highest score it could reach.
            double largestLp = Math.Max(LengthPenalty.Gnmt(generated + 1, Alpha), LengthPenalty.Gnmt(Limit, Alpha));
            return bestLive / largestLp <= Finished.Worst.Score;
        }

        public IReadOnlyList<Hypothesis> Result(int nBest)
        {
            if (Limit == 0) return [new Hypothesis([], 0, 0, false)];   // nothing may be generated
            if (Finished.Count == 0) return [new Hypothesis([], double.NaN, double.NaN, false)];   // every score was NaN
            return Finished.Items.Take(nBest).ToArray();
        }
    }

    /// <summary>The decoder's rows: per row its sentence, parent row, log-probability, output so far and last token.</summary>
    private sealed class LiveBeams
    {
        public readonly List<int> Sentences = [], Parents = [], Tokens = [];
        public readonly List<double> Scores = [];
        public readonly List<int[]> Prefixes = [];

        public int Count => Sentences.Count;

        public void Add(int sentence, int parent, double score, int[] prefix, int token)
        {
            Sentences.Add(sentence);
            Parents.Add(parent);
            Scores.Add(score);
            Prefixes.Add(prefix);
            Tokens.Add(token);
        }

        public void TruncateTo(int count)
        {
            foreach (var list in new System.Collections.IList[] { Sentences, Parents, Tokens, Scores, Prefixes })
                while (list.Count > count) list.RemoveAt(list.Count - 1);
        }

        public bool IsIdentityOf(int rows)
        {
            if (Count != rows) return false;
            for (int r = 0; r < rows; r++) if (Parents[r] != r) return false;
            return true;
        }
    }
}
