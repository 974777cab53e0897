using Sharpformer.Layers;
using Sharpformer.Tests.Kernels;

namespace Sharpformer.Tests.Layers;

/// <summary>
/// Finite-difference checks of analytic gradients, one tensor at a time. For a tensor θ with analytic
/// gradient g the direction is u = g/‖g‖ + r/‖r‖ (r random): its first half makes ⟨g, u⟩ ≈ ‖g‖ large
/// (a random direction alone would give ‖g‖/√n), its second half catches errors orthogonal to g.
/// The numeric derivative is Richardson-extrapolated from central differences at h and h/2, which
/// cancels the h² truncation term and so allows a step large enough to swamp float32 rounding.
/// </summary>
internal static class GradientCheck
{
    /// <summary>One tensor to check: its values (perturbed in place, then restored) and its analytic gradient.</summary>
    public sealed record Probe(string Name, float[] Values, int Offset, int Length, float[] Gradient)
    {
        public static Probe Of(Parameter p) => new(p.Name, p.Value.Data, 0, p.Length, p.Grad.Span.ToArray());
        public static Probe Of(string name, Tensor value, ReadOnlySpan<float> gradient) => new(name, value.Data, 0, value.Length, gradient.ToArray());
    }

    /// <summary>Analytic and numeric directional derivatives along u, ‖g‖·‖u‖ as their natural scale, and the step used.</summary>
    public sealed record Outcome(string Name, double Analytic, double Numeric, double Scale, double Step)
    {
        public double Difference => Math.Abs(Analytic - Numeric);

        /// <summary>
        /// Agreement within <paramref name="tolerance"/>·‖g‖·‖u‖, plus the rounding floor: float32 loss values are
        /// noisy by ≈ <paramref name="lossNoise"/>, which a difference quotient at step h turns into ≈ 2·noise/h.
        /// </summary>
        public bool Agrees(double tolerance, double lossNoise) => Difference <= tolerance * Scale + 2 * lossNoise / Step;

        public override string ToString() =>
            $"{Name}: analytic {Analytic:E4} numeric {Numeric:E4} relative error {Difference / Math.Max(Scale, 1e-30):E2} (step {Step:G2})";
    }

    /// <summary>
    /// Checks every probe. With <paramref name="kinkCrossed"/> (asked after each loss evaluation whether a
    /// piecewise-linear unit such as ReLU changed side), a step that crosses a kink is quartered, up to
    /// four times, since a difference across a kink measures no derivative.
    /// </summary>
    public static List<Outcome> Run(IEnumerable<Probe> probes, Func<double> loss, double step, int seed, Func<bool>? kinkCrossed = null)
    {
        var rng = new Random(seed);
        var outcomes = new List<Outcome>();
        foreach (var probe in probes)
        {
            int n = probe.Length;
            var g = probe.Gradient;
            double gNorm = Math.Sqrt(g.Sum(v => (double)v * v));
            var r = new double[n];
            for (int i = 0; i < n; i++) r[i] = TestData.Gaussian(rng);
            double rNorm = Math.Sqrt(r.Sum(v => v * v));
            var u = new double[n];
            for (int i = 0; i < n; i++) u[i] = (gNorm > 0 ? g[i] / gNorm : 0) + r[i] / rNorm;
            double uNorm = Math.Sqrt(u.Sum(v => v * v));

            double analytic = 0;
            for (int i = 0; i < n; i++) analytic += g[i] * u[i];

            float[] values = probe.Values;
            int at = probe.Offset;
            var saved = values.AsSpan(at, n).ToArray();
            bool crossed = false;
            double Evaluate()
            {
                double value = loss();
                crossed |= kinkCrossed?.Invoke() ?? false;
                return value;
            }
            double Central(double h)
            {
                for (int i = 0; i < n; i++) values[at + i] = (float)(saved[i] + h * u[i]);
                double up = Evaluate();
                for (int i = 0; i < n; i++) values[at + i] = (float)(saved[i] - h * u[i]);
                double down = Evaluate();
                saved.CopyTo(values, at);
                return (up - down) / (2 * h);
            }
            double h = step, numeric;
            for (int attempt = 0; ; attempt++, h /= 4)
            {
                crossed = false;
                numeric = (4 * Central(h / 2) - Central(h)) / 3;
                if (!crossed || attempt == 4) break;
            }
            outcomes.Add(new Outcome(probe.Name, analytic, numeric, gNorm * uNorm, h));
        }
        return outcomes;
    }

    /// <summary>Fails listing every tensor whose derivatives disagree (see <see cref="Outcome.Agrees"/>).</summary>
    public static void AssertAll(IReadOnlyList<Outcome> outcomes, double tolerance, string what, double lossNoise = 5e-7)
    {
        Assert.NotEmpty(outcomes);
        var bad = outcomes.Where(o => !o.Agrees(tolerance, lossNoise)).ToList();
        Assert.True(bad.Count == 0, $"{what}: {bad.Count} of {outcomes.Count} tensors disagree with finite differences (tolerance {tolerance:E1}):\n{string.Join("\n", bad)}");
    }
}
