namespace Sharpformer.Inference;

/// <summary>
/// The rule that no n-gram may occur twice in an output (fairseq's and Hugging Face's
/// <c>no_repeat_ngram_size</c>): a token that would complete an n-gram already in the output is banned.
/// Chat models in particular fall into loops ("좋아요 좋아요 좋아요 …") that this breaks.
/// </summary>
public static class NoRepeatNGram
{
    /// <summary>
    /// Sets to −∞ the log-probability of every token that, appended to <paramref name="history"/> (the output
    /// so far, without BOS), would repeat an n-gram of it. n ≤ 0 bans nothing; n = 1 bans every token already used.
    /// </summary>
    public static void Ban(Span<float> logProbs, ReadOnlySpan<int> history, int n)
    {
        if (n <= 0 || history.Length < n - 1) return;
        var prefix = history[(history.Length - (n - 1))..];            // the last n−1 tokens
        for (int start = 0; start + n - 1 < history.Length; start++)
            if (history.Slice(start, n - 1).SequenceEqual(prefix))
                logProbs[history[start + n - 1]] = float.NegativeInfinity;
    }
}
