namespace Sharpformer.Evaluation;

/// <summary>
/// What <see cref="Bleu"/> computes, as sacreBLEU's <c>BLEU(tokenize=..., lowercase=...)</c>
/// arguments: e.g. <c>Bleu.Corpus(hyps, [refs], new BleuOptions { Tokenize = BleuTokenizer.Intl })</c>.
/// Smoothing ("exp") and the maximum order (4) are fixed.
/// </summary>
public sealed record BleuOptions
{
    /// <summary>sacreBLEU's defaults: 13a, case-sensitive.</summary>
    public static BleuOptions Default { get; } = new();

    /// <summary>The tokenizer applied to hypotheses and references (default <see cref="BleuTokenizer.Mteval13a"/>).</summary>
    public BleuTokenizer Tokenize { get; init; } = BleuTokenizer.Mteval13a;

    /// <summary>Lowercase hypotheses and references first (Python's <c>str.lower</c>), for case-insensitive BLEU.</summary>
    public bool Lowercase { get; init; }
}
