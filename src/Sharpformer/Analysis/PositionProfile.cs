namespace Sharpformer.Analysis;

/// <summary>
/// A per-source-position quantity (attention mass, gradient norm) averaged over sentences of different lengths by
/// relative position: word j of a sentence of n words (EOS apart) falls into bin ⌊(j + ½)/n · K⌋ of K.
/// </summary>
/// <param name="Share">Per bin, the mean over sentences of the bin's part of the sentence's total (EOS included in the
/// total): Σ_k Share[k] + <see cref="EosShare"/> = 1. Sentences with fewer words than bins leave some bins empty (0).</param>
/// <param name="Density">Per bin, the mean over the sentences that have a word in it of (the bin's part of the words'
/// total) ÷ (the bin's part of the words): 1 everywhere means the quantity is spread evenly over the words; 2 in the
/// last bin means the last tenth of a sentence gets twice its even share.</param>
/// <param name="MeanValue">Per bin, the mean of the raw values of every word that fell into it (unnormalised).</param>
/// <param name="Sentences">Per bin, the sentences with at least one word in it.</param>
/// <param name="EosShare">The mean share of the EOS position in a sentence's total.</param>
/// <param name="SentenceCount">Sentences averaged (those with at least one word and a positive total).</param>
public sealed record PositionProfile(double[] Share, double[] Density, double[] MeanValue, int[] Sentences, double EosShare, int SentenceCount)
{
    public int Bins => Share.Length;

    /// <summary>The centre of bin k on the 0..1 scale of relative position.</summary>
    public double Centre(int k) => (k + 0.5) / Bins;

    /// <summary>
    /// Bins <paramref name="perSentence"/>: for each sentence one value per source position, the last one its EOS
    /// when <paramref name="lastIsEos"/>.
    /// </summary>
    public static PositionProfile Of(IEnumerable<float[]> perSentence, int bins, bool lastIsEos = true)
    {
        if (bins < 1) throw UserInputException.ForField("Bins", $"must be at least 1, got {bins}");
        var share = new double[bins];
        var density = new double[bins];
        var valueSum = new double[bins];
        var valueCount = new long[bins];
        var sentences = new int[bins];
        double eos = 0;
        int count = 0;
        var binSum = new double[bins];
        var binWords = new int[bins];
        foreach (var values in perSentence)
        {
            int words = lastIsEos ? values.Length - 1 : values.Length;
            double total = 0, wordTotal = 0;
            for (int j = 0; j < values.Length; j++) total += values[j];
            for (int j = 0; j < words; j++) wordTotal += values[j];
            if (words < 1 || !(total > 0)) continue;
            Array.Clear(binSum);
            Array.Clear(binWords);
            for (int j = 0; j < words; j++)
            {
                int k = Bin(j, words, bins);
                binSum[k] += values[j];
                binWords[k]++;
                valueSum[k] += values[j];
                valueCount[k]++;
            }
            for (int k = 0; k < bins; k++)
            {
                share[k] += binSum[k] / total;
                if (binWords[k] == 0) continue;
                sentences[k]++;
                // an even spread gives every bin the share of the words it holds: density 1
                density[k] += wordTotal > 0 ? binSum[k] / wordTotal / ((double)binWords[k] / words) : 0;
            }
            if (lastIsEos) eos += values[^1] / total;
            count++;
        }
        for (int k = 0; k < bins; k++)
        {
            share[k] = count == 0 ? double.NaN : share[k] / count;
            density[k] = sentences[k] == 0 ? double.NaN : density[k] / sentences[k];
            valueSum[k] = valueCount[k] == 0 ? double.NaN : valueSum[k] / valueCount[k];
        }
        return new PositionProfile(share, density, valueSum, sentences, count == 0 ? double.NaN : eos / count, count);
    }

    /// <summary>The bin of word <paramref name="j"/> of <paramref name="words"/>: ⌊(j + ½)/words · bins⌋.</summary>
    public static int Bin(int j, int words, int bins) => Math.Min(bins - 1, (int)((j + 0.5) / words * bins));
}
