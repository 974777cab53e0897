namespace Sharpformer.Inspection;

/// <summary>
/// Note 000's claim "word-embedding cosine similarity &gt; positional-embedding cosine similarity", measured:
/// the cosine similarity of every pair of word embeddings (rows of E, or a seeded sample of them) against that
/// of every pair of position vectors, as distributions, together with each vector's nearest-neighbour similarity
/// and the lengths the model adds together (‖E[w]·√d‖ against ‖PE[pos]‖).
/// </summary>
/// <param name="WordPairs">Cosine over pairs of distinct word pieces.</param>
/// <param name="PositionPairs">Cosine over pairs of distinct positions.</param>
/// <param name="WordNearest">Each word piece's largest cosine with another piece.</param>
/// <param name="PositionNearest">Each position's largest cosine with another position.</param>
/// <param name="WordHistogram">WordPairs binned over [−1, 1].</param>
/// <param name="PositionHistogram">PositionPairs binned over [−1, 1].</param>
/// <param name="WordsCompared">Pieces whose pairs were compared.</param>
/// <param name="MeanScaledWordNorm">Mean ‖E[w]·√d_model‖: the length of what the model adds for a word.</param>
/// <param name="MeanPositionNorm">Mean ‖PE[pos]‖ (√(d/2) for the sinusoids).</param>
public sealed record EmbeddingComparison(
    Distribution WordPairs, Distribution PositionPairs, Distribution WordNearest, Distribution PositionNearest,
    Histogram WordHistogram, Histogram PositionHistogram, int WordsCompared, int Positions,
    double MeanScaledWordNorm, double MeanPositionNorm)
{
    public const int Bins = 80;

    /// <summary>Compares the word table with the position vectors of <paramref name="positions"/>; at most <paramref name="maxWords"/> pieces (a seeded sample).</summary>
    public static EmbeddingComparison Compare(EmbeddingTable words, PositionMaps positions, int maxWords = 2000)
    {
        if (words.D != positions.DModel) throw new ArgumentException($"Word vectors have {words.D} values, position vectors {positions.DModel}.");
        var ids = words.OrdinaryIds(maxWords);
        var wordTable = new float[ids.Length * words.D];
        for (int i = 0; i < ids.Length; i++) words.Row(ids[i]).CopyTo(wordTable.AsSpan(i * words.D));
        var wordUnit = VectorSimilarity.UnitRows(wordTable, ids.Length, words.D);
        var positionTable = positions.Encoding.SelectMany(r => r).ToArray();
        var positionUnit = VectorSimilarity.UnitRows(positionTable, positions.Positions, positions.DModel);

        var wordPairs = VectorSimilarity.PairCosines(wordUnit);
        var positionPairs = VectorSimilarity.PairCosines(positionUnit);
        double scale = Math.Sqrt(words.D);
        double wordNorm = ids.Average(id => Norm(words.Row(id)) * scale);
        double positionNorm = positions.Encoding.Average(r => Norm(r));
        return new EmbeddingComparison(
            Distribution.Of(wordPairs), Distribution.Of(positionPairs),
            Distribution.Of(VectorSimilarity.NearestNeighbourCosines(wordUnit)), Distribution.Of(VectorSimilarity.NearestNeighbourCosines(positionUnit)),
            Histogram.Of(wordPairs, Bins, -1, 1), Histogram.Of(positionPairs, Bins, -1, 1), ids.Length, positions.Positions,
            wordNorm, positionNorm);
    }

    private static double Norm(ReadOnlySpan<float> v)
    {
        double s = 0;
        foreach (float x in v) s += (double)x * x;
        return Math.Sqrt(s);
    }
}
