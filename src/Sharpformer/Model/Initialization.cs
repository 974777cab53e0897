using Sharpformer.Layers;

namespace Sharpformer.Model;

/// <summary>
/// Initial weights: Xavier-uniform for every matrix (as nn.Transformer does), N(0, d^−½) for the
/// shared embedding (so E·√d has unit scale, like the positional encoding), zero biases, unit
/// LayerNorm gains. Deterministic for a seed.
/// </summary>
public static class Initialization
{
    public static void Initialize(Transformer model, int seed)
    {
        var rng = new Random(seed);
        foreach (var p in model.Parameters)
        {
            var v = p.Value.Span;
            switch (p.Role)
            {
                case ParameterRole.Embedding:
                    double std = Math.Pow(model.Config.DModel, -0.5);
                    for (int i = 0; i < v.Length; i++) v[i] = (float)(std * Gaussian(rng));
                    break;
                case ParameterRole.Weight:
                    // Xavier: U(−a, a) with a = √(6 / (fan_in + fan_out)); PyTorch's packed in_proj counts all 3d rows as fan_out
                    double a = Math.Sqrt(6.0 / (p.Shape[0] + p.Shape[1]));
                    for (int i = 0; i < v.Length; i++) v[i] = (float)((rng.NextDouble() * 2 - 1) * a);
                    break;
                case ParameterRole.NormGain:
                    v.Fill(1f);
                    break;
                default:
                    v.Clear();
                    break;
            }
        }
    }

    /// <summary>
    /// An RNN encoder–decoder: every recurrent weight and bias U(−1/√H, 1/√H) as PyTorch's nn.GRU/nn.LSTM/nn.RNN
    /// reset them, N(0, E^−½) for the shared embedding (so E·√E has unit scale and the tied logits h̃·Eᵀ start
    /// near unit scale), Xavier-uniform for the other matrices (bridge, attention, W_c), zero for their biases.
    /// </summary>
    public static void Initialize(RnnSeq2Seq model, int seed)
    {
        var rng = new Random(seed);
        var recurrent = model.RecurrentParameters;
        double bound = 1.0 / Math.Sqrt(model.Config.HiddenSize);
        foreach (var p in model.Parameters)
        {
            var v = p.Value.Span;
            if (recurrent.Contains(p))
                for (int i = 0; i < v.Length; i++) v[i] = (float)((rng.NextDouble() * 2 - 1) * bound);
            else if (p.Role == ParameterRole.Embedding)
            {
                double std = Math.Pow(model.Config.EmbeddingSize, -0.5);
                for (int i = 0; i < v.Length; i++) v[i] = (float)(std * Gaussian(rng));
            }
            else if (p.Role == ParameterRole.Weight)
            {
                double a = Math.Sqrt(6.0 / (p.Shape[0] + p.Shape[1]));
                for (int i = 0; i < v.Length; i++) v[i] = (float)((rng.NextDouble() * 2 - 1) * a);
            }
            else v.Clear();
        }
    }

    private static double Gaussian(Random rng)
    {
        // Box–Muller
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
