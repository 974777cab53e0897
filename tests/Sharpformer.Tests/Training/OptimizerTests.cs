using Sharpformer.Layers;
using Sharpformer.Training;

namespace Sharpformer.Tests.Training;

/// <summary>Adam and the Noam schedule against closed forms computed independently here.</summary>
public sealed class OptimizerTests
{
    private static Parameter Param(string name, float[] grad, float[]? value = null)
    {
        var p = new Parameter(name, ParameterRole.Weight, grad.Length);
        grad.CopyTo(p.Grad.Span);
        value?.CopyTo(p.Value.Span);
        return p;
    }

    private static readonly float[] Gradients = [1e-6f, -1e-3f, 0.5f, -2f, 1e3f, 0f, -7.25f];

    [Fact]
    public void First_step_moves_every_weight_by_lr_times_the_sign_of_its_gradient()
    {
        // m̂₁ = g and v̂₁ = g², so the step is lr·g/(|g| + ε) ≈ lr·sign(g) whatever the gradient's size
        const double lr = 1e-3, eps = 1e-9;
        var p = Param("w", Gradients);
        var adam = new Adam([p]);
        adam.Update(lr);
        Assert.Equal(1, adam.Step);
        for (int i = 0; i < Gradients.Length; i++)
        {
            double g = Gradients[i], expected = -lr * g / (Math.Abs(g) + eps);
            Assert.InRange(Math.Abs(p.Value.Span[i] - expected), 0, 1e-6 * lr);
        }
        Assert.Equal(0f, p.Value.Span[5]);
        // the moments themselves: m = (1 − β₁)g, v = (1 − β₂)g²
        for (int i = 0; i < Gradients.Length; i++)
        {
            Assert.Equal(0.1 * Gradients[i], adam.FirstMoments[0][i], Math.Abs(Gradients[i]) * 1e-6);
            Assert.Equal(0.02 * Gradients[i] * Gradients[i], adam.SecondMoments[0][i], Gradients[i] * Gradients[i] * 1e-5);
        }
    }

    [Fact]
    public void Two_steps_follow_the_textbook_update()
    {
        double b1 = 0.8, b2 = 0.95, eps = 1e-6;
        float[] g1 = [0.3f, -0.2f, 1e-4f, 2f], g2 = [-0.1f, -0.4f, 3e-4f, 2f], start = [1f, -1f, 0.5f, 0f];
        var p = Param("w", g1, start);
        var adam = new Adam([p], b1, b2, eps);
        adam.Update(0.01);
        g2.CopyTo(p.Grad.Span);
        adam.Update(0.02);

        for (int i = 0; i < 4; i++)
        {
            // m_t = β₁m + (1−β₁)g; v_t = β₂v + (1−β₂)g²; θ −= lr·(m_t/(1−β₁ᵗ)) / (√(v_t/(1−β₂ᵗ)) + ε)
            double m = 0, v = 0, theta = start[i];
            foreach (var (g, lr, t) in new[] { ((double)g1[i], 0.01, 1), (g2[i], 0.02, 2) })
            {
                m = b1 * m + (1 - b1) * g;
                v = b2 * v + (1 - b2) * g * g;
                theta -= lr * (m / (1 - Math.Pow(b1, t))) / (Math.Sqrt(v / (1 - Math.Pow(b2, t))) + eps);
            }
            Assert.InRange(Math.Abs(p.Value.Span[i] - theta), 0, 1e-6);
        }
        Assert.Equal(2, adam.Step);
    }

    [Fact]
    public void A_constant_gradient_gives_equal_steps()
    {
        // with g fixed, m̂ₜ = g and v̂ₜ = g² at every t: ten steps move each weight by 10·lr·sign(g)
        var p = Param("w", [0.25f, -3f, 1e-2f]);
        var q = Param("b", [-0.5f]);
        var adam = new Adam([p, q]);
        for (int t = 0; t < 10; t++) adam.Update(1e-3);
        Assert.Equal(new[] { -1e-2, 1e-2, -1e-2 }, p.Value.Span.ToArray().Select(v => (double)v), new ToleranceComparer(1e-7));
        Assert.Equal(1e-2, q.Value.Span[0], 1e-7);
    }

    [Fact]
    public void Zero_learning_rate_moves_nothing_but_updates_the_moments()
    {
        var p = Param("w", [1f, -1f], [0.5f, 0.25f]);
        var adam = new Adam([p]);
        adam.Update(0);
        Assert.Equal([0.5f, 0.25f], p.Value.Span.ToArray());
        Assert.Equal(0.1f, adam.FirstMoments[0][0], 1e-7f);
    }

    [Fact]
    public void Noam_rises_linearly_to_the_peak_then_decays_as_the_inverse_square_root()
    {
        var paper = new NoamSchedule(DModel: 512, Warmup: 4000);
        // 1/√(512·4000) and 1/(√512·4000^1.5), evaluated separately
        Assert.Equal(0.0006987712429686843, paper.LearningRate(4000), 1e-15);
        Assert.Equal(1.7469281074217108e-07, paper.LearningRate(1), 1e-18);
        for (int k = 1; k <= 4000; k += 333) Assert.Equal(k * paper.LearningRate(1), paper.LearningRate(k), 1e-15);
        Assert.Equal(paper.LearningRate(4000) / 2, paper.LearningRate(16000), 1e-15);
        Assert.Equal(paper.LearningRate(4000) / 10, paper.LearningRate(400000), 1e-15);
        Assert.True(paper.LearningRate(4001) < paper.LearningRate(4000) && paper.LearningRate(3999) < paper.LearningRate(4000));

        var scaled = new NoamSchedule(DModel: 64, Warmup: 100, Factor: 2.0);
        Assert.Equal(0.025, scaled.LearningRate(100), 1e-15);                // 2/√(64·100)
        Assert.Equal(0.00025, scaled.LearningRate(1), 1e-15);                // 2/(8·1000)
        Assert.Equal(0.0125, scaled.LearningRate(400), 1e-15);
        Assert.Throws<ArgumentOutOfRangeException>(() => scaled.LearningRate(0));
    }

    [Fact]
    public void A_cooldown_follows_the_paper_to_its_start_then_falls_linearly_to_zero_after_its_end()
    {
        var paper = new NoamSchedule(DModel: 64, Warmup: 100, Factor: 2.0);
        var cooled = paper with { CooldownStart = 400, CooldownEnd = 799 };
        for (int k = 1; k <= 400; k += 37) Assert.Equal(paper.LearningRate(k), cooled.LearningRate(k), 1e-15);
        // from lr(400) = 2/(8·20) = 0.0125 down in 400 equal steps of 0.0125/400
        Assert.Equal(0.0125, cooled.LearningRate(400), 1e-15);
        Assert.Equal(0.0125 * 399 / 400, cooled.LearningRate(401), 1e-15);
        Assert.Equal(0.0125 * 200 / 400, cooled.LearningRate(600), 1e-15);
        Assert.Equal(0.0125 / 400, cooled.LearningRate(799), 1e-15);
        Assert.Equal(0.0, cooled.LearningRate(800));
        Assert.Equal(0.0, cooled.LearningRate(5000));
        Assert.True(cooled.LearningRate(600) < paper.LearningRate(600));

        // a cool-down that starts at step 0 falls from the first step's rate
        var fromStart = paper with { CooldownStart = 0, CooldownEnd = 9 };
        Assert.Equal(paper.LearningRate(1) * 9 / 10, fromStart.LearningRate(1), 1e-18);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double obj) => 0;
    }
}
