namespace Sharpformer.Inference;

/// <summary>
/// The best few (score, row, token) expansions of one sentence's beams, kept sorted best first.
/// Ties keep the order of offering (rows, then tokens, ascending), which makes the search deterministic
/// and lets width 1 pick the same token as greedy's arg-max.
/// </summary>
internal sealed class BeamCandidates
{
    private double[] _scores = [];
    private int[] _rows = [], _tokens = [];
    private int _capacity;

    public int Count { get; private set; }

    public void Reset(int capacity)
    {
        if (_scores.Length < capacity) (_scores, _rows, _tokens) = (new double[capacity], new int[capacity], new int[capacity]);
        _capacity = capacity;
        Count = 0;
    }

    public (double Score, int Row, int Token) this[int rank] => (_scores[rank], _rows[rank], _tokens[rank]);

    /// <summary>Offers every token of one beam: candidate score = the beam's log-probability + log p(token).</summary>
    public void OfferRow(int row, double rowScore, ReadOnlySpan<float> logProbs)
    {
        for (int token = 0; token < logProbs.Length; token++)
        {
            double score = rowScore + logProbs[token];
            // Full and no better than the last kept: the common case, rejected with one comparison.
            if (Count == _capacity && !(score > _scores[Count - 1])) continue;
            if (!(score > double.NegativeInfinity)) continue;   // masked tokens (and NaN) never enter
            Insert(score, row, token);
        }
    }

    private void Insert(double score, int row, int token)
    {
        int at = Count < _capacity ? Count : Count - 1;
        while (at > 0 && _scores[at - 1] < score)
        {
            (_scores[at], _rows[at], _tokens[at]) = (_scores[at - 1], _rows[at - 1], _tokens[at - 1]);
            at--;
        }
        (_scores[at], _rows[at], _tokens[at]) = (score, row, token);
        if (Count < _capacity) Count++;
    }
}
