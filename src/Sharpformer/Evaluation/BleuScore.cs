using System.Globalization;

namespace Sharpformer.Evaluation;

/// <summary>
/// A BLEU score with the statistics it was computed from, laid out like sacreBLEU's
/// <c>BLEUScore</c>. Scores and precisions are percentages (0..100).
/// </summary>
public sealed class BleuScore
{
    internal BleuScore(double score, IReadOnlyList<int> counts, IReadOnlyList<int> totals,
        IReadOnlyList<double> precisions, double bp, int sysLen, int refLen, string signature)
    {
        Score = score;
        Counts = counts;
        Totals = totals;
        Precisions = precisions;
        Bp = bp;
        SysLen = sysLen;
        RefLen = refLen;
        Signature = signature;
    }

    /// <summary>BLEU, 0..100.</summary>
    public double Score { get; }

    /// <summary>Clipped n-gram matches for n = 1..4.</summary>
    public IReadOnlyList<int> Counts { get; }

    /// <summary>Hypothesis n-grams for n = 1..4.</summary>
    public IReadOnlyList<int> Totals { get; }

    /// <summary>n-gram precisions for n = 1..4 in percent, after smoothing (0 where not computed).</summary>
    public IReadOnlyList<double> Precisions { get; }

    /// <summary>Brevity penalty, 0..1.</summary>
    public double Bp { get; }

    /// <summary>Hypothesis tokens.</summary>
    public int SysLen { get; }

    /// <summary>Reference tokens, taking per segment the reference whose length is closest to the hypothesis.</summary>
    public int RefLen { get; }

    /// <summary><see cref="SysLen"/> / <see cref="RefLen"/> (0 when there are no reference tokens).</summary>
    public double Ratio => RefLen == 0 ? 0 : (double)SysLen / RefLen;

    /// <summary>What was computed, in sacreBLEU's signature format, e.g. <c>nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|compat:sacrebleu-2.6.0</c>.</summary>
    public string Signature { get; }

    /// <summary>sacreBLEU's one-line summary: <c>BLEU = 35.12 67.1/41.0/27.3/18.9 (BP = 0.981 ratio = 0.981 hyp_len = 1234 ref_len = 1258)</c>.</summary>
    public override string ToString()
    {
        var inv = CultureInfo.InvariantCulture;
        string precisions = string.Join('/', Precisions.Select(p => p.ToString("F1", inv)));
        return string.Create(inv,
            $"BLEU = {Score:F2} {precisions} (BP = {Bp:F3} ratio = {Ratio:F3} hyp_len = {SysLen} ref_len = {RefLen})");
    }
}
