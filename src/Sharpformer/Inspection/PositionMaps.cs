using Sharpformer.Layers;
using Sharpformer.Model;

namespace Sharpformer.Inspection;

/// <summary>
/// Note 000's picture of the positional encoding: the matrix PE [positions, d_model] and the cosine
/// similarity of every pair of positions [positions, positions]. Sinusoidal by the paper's formula
/// PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(pos / 10000^(2i/d)), or a model's learned table.
/// </summary>
/// <param name="Kind">"sinusoidal" or "learned".</param>
/// <param name="Encoding">PE [positions][d_model].</param>
/// <param name="Cosine">cos(PE[p], PE[q]) [positions][positions].</param>
public sealed record PositionMaps(string Kind, int DModel, int Positions, float[][] Encoding, float[][] Cosine)
{
    /// <summary>Most positions drawn (the cosine map grows with the square).</summary>
    public const int MaxPositions = 4096;

    /// <summary>The paper's sinusoidal encoding of positions 0..<paramref name="positions"/>−1, as the model adds it.</summary>
    public static PositionMaps Sinusoidal(int dModel, int positions)
    {
        if (dModel < 2) throw UserInputException.ForField("DModel", $"must be at least 2, got {dModel}");
        if (positions < 2 || positions > MaxPositions) throw UserInputException.ForField("Positions", $"must be between 2 and {MaxPositions}, got {positions}");
        var table = new SinusoidalPositionalEncoding(dModel, positions).Table(positions);   // [positions, d]
        return From("sinusoidal", table.Span, positions, dModel);
    }

    /// <summary>The position vectors <paramref name="model"/> adds: its learned table, or the sinusoids of its width.</summary>
    public static PositionMaps Of(Transformer model, int positions)
    {
        var c = model.Config;
        if (c.Positions == PositionEncodingKind.Sinusoidal) return Sinusoidal(c.DModel, positions);
        if (positions < 2) throw UserInputException.ForField("Positions", $"must be at least 2, got {positions}");
        if (positions > c.MaxPositions) throw UserInputException.ForField("Positions", $"the model learned {c.MaxPositions} positions, asked for {positions}");
        var table = model.ParameterByName["pos_embed.weight"].Value.Span[..(positions * c.DModel)];
        return From("learned", table, positions, c.DModel);
    }

    /// <summary>The position vectors of positions 0..<paramref name="positions"/>−1 that <paramref name="model"/> adds, [positions·d] (no cosine map).</summary>
    public static float[] Rows(Transformer model, int positions)
    {
        var c = model.Config;
        return c.Positions == PositionEncodingKind.Sinusoidal
            ? new SinusoidalPositionalEncoding(c.DModel, positions).Table(positions).Span.ToArray()
            : model.ParameterByName["pos_embed.weight"].Value.Span[..(positions * c.DModel)].ToArray();
    }

    private static PositionMaps From(string kind, ReadOnlySpan<float> table, int positions, int d)
    {
        var rows = new float[positions][];
        for (int p = 0; p < positions; p++) rows[p] = table.Slice(p * d, d).ToArray();
        return new PositionMaps(kind, d, positions, rows, VectorSimilarity.CosineMatrix(table, positions, d));
    }
}
