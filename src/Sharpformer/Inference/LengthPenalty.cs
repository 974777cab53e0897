namespace Sharpformer.Inference;

/// <summary>
/// The length penalty of GNMT (Wu et al. 2016): lp(Y) = ((5 + |Y|) / 6)^α, with |Y| the number of
/// generated tokens counting EOS (BOS is not generated, so it never counts). A hypothesis is ranked by
/// log P(Y) / lp(Y); α = 0 gives lp = 1 (raw log-probability), larger α favours longer outputs.
/// </summary>
public static class LengthPenalty
{
    public static double Gnmt(int length, double alpha) => alpha == 0 ? 1.0 : Math.Pow((5.0 + length) / 6.0, alpha);

    /// <summary>log P / lp(|Y|): the score a hypothesis of <paramref name="length"/> tokens is ranked by.</summary>
    public static double Normalize(double logProb, int length, double alpha) => logProb / Gnmt(length, alpha);
}
