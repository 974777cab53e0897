namespace Sharpformer.Inference;

/// <summary>When a sentence's beam search may stop before its length limit.</summary>
public enum BeamStopRule
{
    /// <summary>
    /// Stop once BeamSize hypotheses have finished and no live beam can still beat the worst of them:
    /// a live beam with log-probability s ≤ 0 can at best reach s / max(lp(t+1), lp(limit)) (log-probabilities
    /// only fall as tokens are added, and a monotone lp is largest at one end of the lengths still open).
    /// The result is then exactly what running every beam to the length limit would give.
    /// </summary>
    Exact,

    /// <summary>
    /// fairseq's rule: stop as soon as BeamSize hypotheses have finished. Cheaper; with α &gt; 0 it may miss
    /// a longer hypothesis that the length penalty would have preferred. Width 1 then equals greedy for any α.
    /// </summary>
    FirstFinished,
}

/// <summary>
/// Settings of <see cref="BeamSearch"/>. Defaults: the paper's beam of 4 with α = 0.6, at most
/// 1.5·n + 10 tokens for a source of n tokens, one hypothesis returned.
/// </summary>
public sealed record BeamSearchOptions
{
    /// <summary>K: live hypotheses kept per sentence, and finished hypotheses collected per sentence.</summary>
    public int BeamSize { get; init; } = 4;

    /// <summary>α of the GNMT length penalty ((5 + |Y|)/6)^α, |Y| counting EOS; 0 ranks by raw log-probability.</summary>
    public double LengthPenalty { get; init; } = 0.6;

    /// <summary>Output limit = min(MaxLenCap, ⌊MaxLenA·n + MaxLenB⌋) tokens (EOS included), n = the source's non-pad ids.</summary>
    public double MaxLenA { get; init; } = 1.5;

    public int MaxLenB { get; init; } = 10;

    public int MaxLenCap { get; init; } = 1024;

    /// <summary>Hypotheses returned per sentence, best first (at most <see cref="BeamSize"/>).</summary>
    public int NBest { get; init; } = 1;

    public BeamStopRule Stopping { get; init; } = BeamStopRule.Exact;

    /// <summary>No n-gram of this size may occur twice in an output (<see cref="NoRepeatNGram"/>); 0 allows repeats.</summary>
    public int NoRepeatNGramSize { get; init; }

    public OutputLengthRule OutputLength => new(MaxLenA, MaxLenB, MaxLenCap);

    /// <summary>Throws <see cref="UserInputException"/> naming the first bad field.</summary>
    public BeamSearchOptions Validate()
    {
        if (BeamSize < 1) throw new UserInputException($"beam search: beam size must be ≥ 1, got {BeamSize}");
        if (NBest < 1 || NBest > BeamSize) throw new UserInputException($"beam search: n-best must be between 1 and the beam size {BeamSize}, got {NBest}");
        if (!double.IsFinite(LengthPenalty)) throw new UserInputException($"beam search: length penalty α must be a finite number, got {LengthPenalty}");
        if (NoRepeatNGramSize < 0) throw new UserInputException($"beam search: no-repeat n-gram size must be 0 (off) or positive, got {NoRepeatNGramSize}");
        if (!Enum.IsDefined(Stopping)) throw new UserInputException($"beam search: unknown stopping rule {Stopping}");
        OutputLength.Validate();
        return this;
    }
}
