using Sharpformer.Model;

namespace Sharpformer.Inference;

/// <summary>A source cut to fit <see cref="DecodeOptions.MaxSourceTokens"/>: its index among the sources, and its length in tokens (EOS included) before and after.</summary>
public sealed record SourceTruncation(int Index, int Tokens, int Kept);

/// <summary>
/// How long a source may be. Attention costs grow with the square of the length, so one pathological line
/// (100,000 characters, a page of spaces) would otherwise take gigabytes and end the whole input; it is cut
/// instead, keeping its beginning and the EOS, and every other line translates as usual.
/// </summary>
public static class SourceLimit
{
    /// <summary>The default limit: 1024 tokens, or the model's learned positions when fewer.</summary>
    public const int DefaultTokens = 1024;

    /// <summary>The limit for <paramref name="model"/> under <paramref name="options"/> (EOS included).</summary>
    public static int For(ISeq2SeqModel model, DecodeOptions options)
    {
        int table = model.MaxTargetPositions;
        return options.MaxSourceTokens > 0 ? Math.Min(options.MaxSourceTokens, table) : Math.Min(DefaultTokens, table);
    }

    /// <summary>Cuts <paramref name="ids"/> (ending with EOS) to <paramref name="limit"/> ids, keeping the EOS; null when it fits.</summary>
    public static int[]? Cut(int[] ids, int limit, int eosId)
    {
        if (ids.Length <= limit) return null;
        var kept = ids.AsSpan(0, limit).ToArray();
        kept[^1] = eosId;
        return kept;
    }
}
