using System.Globalization;
using Sharpformer.Inference;

namespace Sharpformer.Cli;

/// <summary>Decoding options in words, as the verbs print them: "beam 4, α 1, no repeated 3-gram".</summary>
public static class DecodingText
{
    public static string Describe(DecodeOptions options)
    {
        var s = options.Search;
        string how = options.Sampling is { } p
            ? Inv($"sampling (temperature {p.Temperature}, top-k {(p.TopK == 0 ? "off" : p.TopK)}, top-p {p.TopP}, seed {p.Seed})")
            : s.BeamSize > 1 ? Inv($"beam {s.BeamSize}, α {s.LengthPenalty}") : "greedy";
        return how + (s.NoRepeatNGramSize > 0 ? Inv($", no repeated {s.NoRepeatNGramSize}-gram") : "");
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
