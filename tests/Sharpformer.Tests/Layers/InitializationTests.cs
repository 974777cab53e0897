using Sharpformer.Layers;
using Sharpformer.Model;

namespace Sharpformer.Tests.Layers;

/// <summary>Initial weights: Xavier-uniform matrices, N(0, 1/d) embeddings, unit gains, zero biases, seeded.</summary>
public sealed class InitializationTests
{
    // Large enough for the statistics below (the matrices hold 4k–12k values); never run forward.
    private static readonly TransformerConfig Config = new()
    {
        VocabSize = 500, DModel = 64, Heads = 4, DFf = 128, EncoderLayers = 1, DecoderLayers = 1,
        Positions = PositionEncodingKind.Learned, MaxPositions = 64, NormFirst = true,
    };

    private static Transformer Initialized(int seed)
    {
        var model = new Transformer(Config);
        // start from garbage: initialisation must not depend on what was there
        foreach (var p in model.Parameters) p.Value.Span.Fill(123f);
        Initialization.Initialize(model, seed);
        return model;
    }

    [Fact]
    public void Matrices_are_xavier_uniform_over_their_full_shape()
    {
        var model = Initialized(1);
        var weights = model.Parameters.Where(p => p.Role == ParameterRole.Weight).ToList();
        Assert.Contains(weights, p => p.Name.EndsWith("in_proj_weight", StringComparison.Ordinal));
        foreach (var p in weights)
        {
            // U(−a, a), a = √(6/(fan_in + fan_out)); the packed in_proj [3d, d] counts 3d as fan_out, like PyTorch
            double a = Math.Sqrt(6.0 / (p.Shape[0] + p.Shape[1]));
            var v = p.Value.Span.ToArray();
            double mean = v.Average(x => (double)x), var = v.Average(x => (double)x * x) - mean * mean;
            Assert.All(v, x => Assert.InRange(Math.Abs(x), 0, a));
            Assert.InRange(v.Max(x => Math.Abs(x)), 0.99 * a, a);
            Assert.InRange(mean, -5 * a / Math.Sqrt(3 * v.Length), 5 * a / Math.Sqrt(3 * v.Length));
            // the variance of U(−a, a) is a²/3; its estimate from n samples has relative sd ≈ √(0.8/n)
            Assert.InRange(var / (a * a / 3), 1 - 5 * Math.Sqrt(0.8 / v.Length), 1 + 5 * Math.Sqrt(0.8 / v.Length));
        }
    }

    [Fact]
    public void Embeddings_are_normal_with_standard_deviation_inverse_root_d()
    {
        var model = Initialized(2);
        var tables = model.Parameters.Where(p => p.Role == ParameterRole.Embedding).ToList();
        Assert.Equal(["embed.weight", "pos_embed.weight"], tables.Select(p => p.Name));
        double std = 1 / Math.Sqrt(Config.DModel);
        foreach (var p in tables)
        {
            var v = p.Value.Span.ToArray();
            int n = v.Length;
            double mean = v.Average(x => (double)x), sd = Math.Sqrt(v.Average(x => (double)x * x) - mean * mean);
            Assert.InRange(mean, -5 * std / Math.Sqrt(n), 5 * std / Math.Sqrt(n));
            Assert.InRange(sd / std, 1 - 5 / Math.Sqrt(2.0 * n), 1 + 5 / Math.Sqrt(2.0 * n));
            // normal, not uniform: about 4.55 % of the values lie beyond 2σ
            double beyond = v.Count(x => Math.Abs(x) > 2 * std) / (double)n;
            Assert.InRange(beyond, 0.0455 - 5 * Math.Sqrt(0.0455 * 0.9545 / n), 0.0455 + 5 * Math.Sqrt(0.0455 * 0.9545 / n));
        }
    }

    [Fact]
    public void Norm_gains_are_one_and_biases_zero()
    {
        var model = Initialized(3);
        var gains = model.Parameters.Where(p => p.Role == ParameterRole.NormGain).ToList();
        var biases = model.Parameters.Where(p => p.Role == ParameterRole.Bias).ToList();
        // pre-LN 1+1 layers: 2 + 3 layer norms and the two final norms
        Assert.Equal(7, gains.Count);
        Assert.All(gains, p => Assert.All(p.Value.Span.ToArray(), v => Assert.Equal(1f, v)));
        Assert.All(biases, p => Assert.All(p.Value.Span.ToArray(), v => Assert.Equal(0f, v)));
        Assert.Contains(biases, p => p.Name.EndsWith("norm.bias", StringComparison.Ordinal));
        Assert.Contains(biases, p => p.Name.EndsWith("in_proj_bias", StringComparison.Ordinal));
    }

    [Fact]
    public void The_same_seed_gives_the_same_weights_and_another_seed_others()
    {
        var a = Initialized(7);
        var b = Initialized(7);
        var c = Initialized(8);
        for (int i = 0; i < a.Parameters.Count; i++)
        {
            Assert.Equal(a.Parameters[i].Value.Span.ToArray(), b.Parameters[i].Value.Span.ToArray());
            if (a.Parameters[i].Role is ParameterRole.Weight or ParameterRole.Embedding)
                Assert.NotEqual(a.Parameters[i].Value.Span.ToArray(), c.Parameters[i].Value.Span.ToArray());
        }
    }
}
