namespace Sharpformer.Inference;

/// <summary>
/// One decoded output. <see cref="Tokens"/> holds the generated ids without BOS and without EOS;
/// <see cref="EndedWithEos"/> tells whether the model closed it with EOS (false: it was cut at the
/// length limit). <see cref="LogProb"/> is Σ log p(y_t | y_&lt;t, x) over every generated token, EOS included;
/// <see cref="Score"/> is LogProb / lp(<see cref="Length"/>), the value searches rank by (equal to LogProb
/// when no length penalty applies).
/// </summary>
public sealed record Hypothesis(int[] Tokens, double LogProb, double Score, bool EndedWithEos)
{
    /// <summary>|Y|: the number of generated tokens, EOS included when present.</summary>
    public int Length => Tokens.Length + (EndedWithEos ? 1 : 0);
}
