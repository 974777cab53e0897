using Sharpformer.Layers;
using Sharpformer.Tests.Kernels;

namespace Sharpformer.Tests.Layers;

/// <summary>Positional encodings at offsets and odd widths; dropout sites keyed by (seed, step, site).</summary>
public sealed class PositionsAndDropoutSitesTests
{
    [Theory]
    [InlineData(7)]
    [InlineData(8)]
    public void Sinusoidal_rows_match_the_formula_at_any_offset_and_width(int d)
    {
        var pe = new SinusoidalPositionalEncoding(d, initialLength: 2);     // forces the table to grow
        const int batch = 2, time = 3, offset = 298;
        var x = new float[batch * time * d];
        pe.AddTo(x, batch, time, offset);
        var expected = new double[x.Length];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < time; t++)
                for (int c = 0; c < d; c++)
                {
                    // PE(pos, 2i) = sin(pos/10000^(2i/d)), PE(pos, 2i+1) = cos(pos/10000^(2i/d))
                    int pairStart = c - c % 2;
                    double angle = (offset + t) / Math.Pow(10000, (double)pairStart / d);
                    expected[(b * time + t) * d + c] = c % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle);
                }
        Precision.AssertClose(x, expected, 1e-6, $"sinusoidal PE d={d} at offset {offset}");
    }

    [Fact]
    public void Learned_positions_add_their_rows_and_refuse_to_run_past_the_table()
    {
        var pe = new LearnedPositionalEncoding(ParameterStore.Creating(), "pos", maxLength: 4, d: 3);
        TestData.Uniform(new Random(1), 12).CopyTo(pe.Weight.Value.Span);
        var x = new float[2 * 2 * 3];
        pe.AddTo(x, batch: 2, time: 2, offset: 2);
        var rows = pe.Weight.Value.Span[6..12].ToArray();
        Assert.Equal(rows.Concat(rows), x);
        Assert.Throws<ArgumentException>(() => pe.AddTo(new float[3 * 3], 1, 3, offset: 2));
    }

    [Fact]
    public void A_dropout_site_mask_depends_on_seed_step_and_site_only()
    {
        float[] Mask(int site, ulong seed, long step)
        {
            var layer = new DropoutLayer(0.5f, site);
            var x = Enumerable.Repeat(1f, 256).ToArray();
            layer.ForwardInPlace(x, new ForwardContext { Training = true, Seed = seed, Step = step });
            Assert.True(layer.Applied);
            Assert.Equal(x, layer.Mask.ToArray());
            return x;
        }
        var reference = Mask(3, 7, 10);
        Assert.Equal(reference, Mask(3, 7, 10));
        Assert.NotEqual(reference, Mask(4, 7, 10));
        Assert.NotEqual(reference, Mask(3, 8, 10));
        Assert.NotEqual(reference, Mask(3, 7, 11));
    }

    [Fact]
    public void A_dropout_site_is_the_identity_in_evaluation_and_at_zero_rate()
    {
        var x = TestData.Uniform(new Random(2), 33);
        foreach (var (p, ctx) in new[] { (0.3f, ForwardContext.Eval), (0f, new ForwardContext { Training = true, Seed = 1, Step = 1 }) })
        {
            var layer = new DropoutLayer(p, 0);
            var y = (float[])x.Clone();
            layer.ForwardInPlace(y, ctx);
            Assert.False(layer.Applied);
            Assert.Equal(x, y);
            layer.BackwardInPlace(y);
            Assert.Equal(x, y);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new DropoutLayer(float.NaN, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DropoutLayer(1f, 0));
    }
}
