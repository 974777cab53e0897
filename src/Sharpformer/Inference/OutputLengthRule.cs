using Sharpformer.Model;

namespace Sharpformer.Inference;

/// <summary>
/// How many tokens a search may generate for one source: min(Cap, ⌊A·n + B⌋), where n is the source's
/// real length (its non-pad ids) and the count includes EOS. An output that reaches the limit without
/// EOS is returned as it stands (cut, <see cref="Hypothesis.EndedWithEos"/> false). Models with learned
/// positions are further capped at their position table.
/// </summary>
public sealed record OutputLengthRule(double A = 1.5, int B = 10, int Cap = 1024)
{
    public static OutputLengthRule Default { get; } = new();

    /// <summary>The same limit for every source, whatever its length.</summary>
    public static OutputLengthRule Fixed(int tokens) => new(0, tokens, Math.Max(tokens, 0));

    /// <summary>The limit for a source of <paramref name="sourceTokens"/> non-pad ids.</summary>
    public int For(int sourceTokens) => (int)Math.Clamp(Math.Floor(A * sourceTokens + B), 0, Cap);

    /// <summary>Throws <see cref="UserInputException"/> naming the first bad field.</summary>
    public OutputLengthRule Validate()
    {
        if (!double.IsFinite(A) || A < 0) throw new UserInputException($"output length: ratio A must be a finite number ≥ 0, got {A}");
        if (Cap < 0) throw new UserInputException($"output length: cap must be ≥ 0, got {Cap}");
        return this;
    }

    /// <summary>Per row of a padded source batch [B, S]: the limit, also capped by a learned position table.</summary>
    public int[] ForBatch(ISeq2SeqModel model, ReadOnlySpan<int> source, int batch, int sourceLength)
    {
        Validate();
        if (source.Length != batch * sourceLength) throw new ArgumentException($"Source holds {source.Length} ids, expected {batch}×{sourceLength}.");
        int padId = model.Tokens.PadId, tableCap = model.MaxTargetPositions;
        var limits = new int[batch];
        for (int b = 0; b < batch; b++)
        {
            int real = 0;
            foreach (int id in source.Slice(b * sourceLength, sourceLength)) if (id != padId) real++;
            limits[b] = Math.Min(For(real), tableCap);
        }
        return limits;
    }
}
