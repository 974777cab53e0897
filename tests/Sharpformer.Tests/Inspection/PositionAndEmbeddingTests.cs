using Sharpformer.Inspection;
using Sharpformer.Model;
using Sharpformer.Text;

namespace Sharpformer.Tests.Inspection;

/// <summary>
/// The numbers behind `positions` and `similar`: PE values against the paper's formula evaluated here,
/// cosine maps against cosines computed here, PCA on a case checkable by hand, nearest pieces on a
/// hand-made embedding table.
/// </summary>
public sealed class PositionAndEmbeddingTests
{
    [Theory]
    [InlineData(16, 10)]
    [InlineData(7, 5)]          // odd width: the last column is a sine without its cosine
    public void Positional_encoding_follows_the_papers_formula(int d, int positions)
    {
        var maps = PositionMaps.Sinusoidal(d, positions);
        Assert.Equal(positions, maps.Encoding.Length);
        for (int pos = 0; pos < positions; pos++)
            for (int j = 0; j < d; j++)
            {
                int i2 = j - j % 2;                                     // 2i
                double angle = pos / Math.Pow(10000, (double)i2 / d);
                double expected = j % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle);
                Assert.True(Math.Abs(expected - maps.Encoding[pos][j]) < 1e-6, $"PE({pos}, {j}) = {maps.Encoding[pos][j]}, formula {expected}");
            }
    }

    [Fact]
    public void Cosine_map_is_symmetric_with_ones_on_the_diagonal_and_equals_the_cosines_computed_here()
    {
        var maps = PositionMaps.Sinusoidal(32, 12);
        var c = maps.Cosine;
        for (int p = 0; p < 12; p++)
        {
            Assert.Equal(1.0, c[p][p], 6);
            for (int q = 0; q < 12; q++)
            {
                Assert.Equal(c[p][q], c[q][p]);
                double dot = 0, np = 0, nq = 0;
                for (int j = 0; j < 32; j++)
                {
                    dot += maps.Encoding[p][j] * (double)maps.Encoding[q][j];
                    np += maps.Encoding[p][j] * (double)maps.Encoding[p][j];
                    nq += maps.Encoding[q][j] * (double)maps.Encoding[q][j];
                }
                Assert.Equal(dot / Math.Sqrt(np * nq), c[p][q], 5);
            }
        }
        // neighbouring positions are more alike than distant ones
        Assert.True(c[5][6] > c[5][11], $"{c[5][6]} vs {c[5][11]}");
    }

    [Fact]
    public void Pca_finds_the_axes_of_a_hand_made_cross()
    {
        // Four points on the axes: x spread ±2, y spread ±1. Covariance (1/n) = diag(2, 0.5).
        float[][] points = [[3, 1], [7, 1], [5, 0], [5, 2]];        // centred at (5, 1)
        var pca = Pca.Fit(points);
        Assert.Equal(new[] { 5.0, 1.0 }, pca.Mean);
        Assert.Equal(2.0, pca.Variances[0], 9);
        Assert.Equal(0.5, pca.Variances[1], 9);
        Assert.Equal(2.5, pca.TotalVariance, 9);
        Assert.Equal(1.0, pca.Components[0][0], 9);
        Assert.Equal(0.0, pca.Components[0][1], 9);
        Assert.Equal(1.0, Math.Abs(pca.Components[1][1]), 9);
        Assert.Equal(-2.0, pca.Coordinates[0][0], 9);
        Assert.Equal(2.0, pca.Coordinates[1][0], 9);
        Assert.Equal(0.8, pca.ExplainedShare[0], 9);
    }

    [Fact]
    public void Pca_of_a_rotated_cloud_recovers_the_rotation()
    {
        // Points along (cos 30°, sin 30°) with spread 3 and a perpendicular spread 1, in 3-D with a zero third axis.
        double a = Math.PI / 6;
        var u = new[] { Math.Cos(a), Math.Sin(a), 0 };
        var v = new[] { -Math.Sin(a), Math.Cos(a), 0 };
        var points = new List<float[]>();
        foreach (var (s, t) in new[] { (3.0, 0.0), (-3.0, 0.0), (0.0, 1.0), (0.0, -1.0) })
            points.Add(Enumerable.Range(0, 3).Select(j => (float)(s * u[j] + t * v[j])).ToArray());
        var pca = Pca.Fit(points);
        Assert.Equal(4.5, pca.Variances[0], 5);     // (9 + 9) / 4
        Assert.Equal(0.5, pca.Variances[1], 5);     // (1 + 1) / 4
        Assert.Equal(1.0, Math.Abs(pca.Components[0][0] * u[0] + pca.Components[0][1] * u[1]), 5);
        Assert.Equal(1.0, Math.Abs(pca.Components[1][0] * v[0] + pca.Components[1][1] * v[1]), 5);
    }

    [Fact]
    public void Nearest_pieces_rank_by_cosine_and_leave_out_the_query_and_special_ids()
    {
        var tokenizer = SubwordTokenizer.Train(Enumerable.Repeat(new[] { "der Hund läuft", "die Katze schläft", "ein Hund und eine Katze" }, 5).SelectMany(x => x), 320);
        var model = new Transformer(new TransformerConfig { VocabSize = tokenizer.VocabSize, DModel = 4, Heads = 1, DFf = 4, EncoderLayers = 1, DecoderLayers = 1 });
        var e = model.Embed.Value.Span;
        e.Fill(0f);
        int dog = tokenizer.PieceToId("▁Hund")!.Value, cat = tokenizer.PieceToId("▁Katze")!.Value;
        int runs = tokenizer.PieceToId("▁läuft")!.Value;
        for (int id = 0; id < tokenizer.VocabSize; id++) e[id * 4 + 3] = 1f;     // every piece points along axis 3 ...
        Set(e, dog, [1, 0, 0, 0]);
        Set(e, cat, [1, 1, 0, 0]);                                                  // cos(dog, cat) = 1/√2
        Set(e, runs, [1, 0, 0, 1]);                                                 // cos(dog, runs) = 1/√2 too: ties break by id
        Set(e, 2, [1, 0, 0, 0]);                                                    // EOS points exactly like dog: must not be listed

        var table = new EmbeddingTable(model, tokenizer);
        var word = table.Vector("Hund");
        Assert.Equal([dog], word.Ids);
        Assert.Equal([dog], table.Vector("▁Hund").Ids);
        var nearest = table.Nearest(word.Vector, 3, exclude: word.Ids);
        Assert.DoesNotContain(nearest, n => n.Id == dog || n.Id == 2);
        Assert.Equal(Math.Min(cat, runs), nearest[0].Id);
        Assert.Equal(Math.Max(cat, runs), nearest[1].Id);
        Assert.Equal(1 / Math.Sqrt(2), nearest[0].Cosine, 6);
        Assert.Equal(0.0, nearest[2].Cosine, 6);                                    // the rest point along axis 3 only
    }

    [Fact]
    public void Embedding_comparison_summarises_the_cosines_of_all_pairs()
    {
        var tokenizer = SubwordTokenizer.Train(Enumerable.Repeat(new[] { "der Hund läuft", "die Katze schläft", "ein Hund und eine Katze" }, 5).SelectMany(x => x), 320);
        var model = new Transformer(new TransformerConfig { VocabSize = tokenizer.VocabSize, DModel = 8, Heads = 2, DFf = 8, EncoderLayers = 1, DecoderLayers = 1 });
        Initialization.Initialize(model, seed: 3);
        var table = new EmbeddingTable(model, tokenizer);
        var positions = PositionMaps.Sinusoidal(8, 6);
        var cmp = EmbeddingComparison.Compare(table, positions);

        var ids = Enumerable.Range(0, tokenizer.VocabSize).Where(i => !table.Special.Contains(i)).ToArray();
        Assert.Equal(ids.Length, cmp.WordsCompared);
        var pairs = new List<double>();
        for (int i = 0; i < ids.Length; i++)
            for (int j = i + 1; j < ids.Length; j++) pairs.Add(VectorSimilarity.Cosine(table.Row(ids[i]), table.Row(ids[j])));
        Assert.Equal(pairs.Count, cmp.WordPairs.Count);
        Assert.Equal(pairs.Average(), cmp.WordPairs.Mean, 5);
        Assert.Equal(pairs.Max(), cmp.WordPairs.Max, 5);
        Assert.Equal(pairs.Count, cmp.WordHistogram.Counts.Sum());
        var positionPairs = Enumerable.Range(0, 6).SelectMany(p => Enumerable.Range(p + 1, 5 - p).Select(q => (double)positions.Cosine[p][q])).ToList();
        Assert.Equal(positionPairs.Average(), cmp.PositionPairs.Mean, 5);
        Assert.Equal(Math.Sqrt(8 / 2.0), cmp.MeanPositionNorm, 4);                  // ‖PE[pos]‖ = √(d/2)
    }

    private static void Set(Span<float> e, int id, float[] v) => v.CopyTo(e.Slice(id * v.Length, v.Length));
}
