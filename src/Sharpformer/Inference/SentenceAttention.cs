using System.Text.Json;
using System.Text.Json.Serialization;
using Sharpformer.Model;

namespace Sharpformer.Inference;

/// <summary>
/// Every attention map of one translated sentence, as a learner looks at them: encoder self-attention
/// [layer][head][S][S], decoder (masked) self-attention [layer][head][T][T] (exactly zero above the
/// diagonal) and encoder–decoder attention [layer][head][T][S]. S counts the source pieces with EOS,
/// T the output pieces with EOS. Decoder position t reads BOS (t = 0) or target token t−1 and predicts
/// target token t; row t of a decoder map is that position, and column j of decoder self-attention is
/// decoder position j. Every row sums to 1; padding never appears (one sentence, no padding).
/// </summary>
/// <param name="Translation">The detokenised output.</param>
/// <param name="SourceTokens">The source's subword pieces, EOS last.</param>
/// <param name="TargetTokens">The output's subword pieces, EOS last when the search ended with it.</param>
/// <param name="EncoderSelf">Encoder self-attention, [layer][head][S][S] (empty for architectures without it).</param>
/// <param name="DecoderSelf">Decoder self-attention, [layer][head][T][T] (empty for architectures without it).</param>
/// <param name="Cross">Encoder–decoder attention, [layer][head][T][S].</param>
public sealed record SentenceAttention(
    string Translation,
    IReadOnlyList<string> SourceTokens,
    IReadOnlyList<string> TargetTokens,
    float[][][][] EncoderSelf,
    float[][][][] DecoderSelf,
    float[][][][] Cross)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>
    /// Translates <paramref name="text"/> with <paramref name="translator"/> (its default decoding unless
    /// <paramref name="options"/> says otherwise) and collects the maps of the best output through the
    /// model contract: the weights the forward pass itself used.
    /// </summary>
    public static SentenceAttention Of(Translator translator, string text, DecodeOptions? options = null)
    {
        var model = translator.Model;
        var tokenizer = translator.Tokenizer;
        int[] source = translator.EncodeSource(text, options ?? translator.Defaults);
        var best = translator.DecodeBatchNBest([source], options ?? translator.Defaults)[0][0];
        int[] output = best.EndedWithEos ? [.. best.Tokens, model.Tokens.EosId] : best.Tokens;
        return Of(model, tokenizer, source, output);
    }

    /// <summary>
    /// The maps of a given output: <paramref name="output"/> (EOS last if wanted) is fed to the decoder after BOS,
    /// as in teacher forcing, for the source ids <paramref name="source"/> (EOS last). Through the model contract,
    /// so it works for every architecture; the translation is the detokenised output.
    /// </summary>
    public static SentenceAttention Of(ISeq2SeqModel model, Text.SubwordTokenizer tokenizer, int[] source, int[] output)
    {
        if (!model.HasAttention)
            throw new UserInputException($"model: a '{model.Architecture}' model has no attention to show (its decoder reads one fixed summary of the source)");
        var encoded = model.Encode(source, 1, source.Length, withAttention: true);
        var encoderSelf = encoded.SelfAttention.Select(layer => Square(layer.Span.ToArray(), layer.Dim(1), source.Length)).ToArray();
        var steps = AttentionMaps.Collect(model, source, output);
        int layers = steps.Count == 0 ? 0 : steps[0].Cross.Length, heads = steps.Count == 0 ? 0 : steps[0].Cross[0].Length;
        var decoderSelf = Enumerable.Range(0, steps.Count == 0 || steps[0].Self.Length == 0 ? 0 : layers).Select(l =>
            Enumerable.Range(0, heads).Select(h =>
                steps.Select(step => Pad(step.Self[l][h], output.Length)).ToArray()).ToArray()).ToArray();
        var cross = Enumerable.Range(0, layers).Select(l =>
            Enumerable.Range(0, heads).Select(h => steps.Select(step => step.Cross[l][h]).ToArray()).ToArray()).ToArray();
        int eos = model.Tokens.EosId;
        int[] text = output.Length > 0 && output[^1] == eos ? output[..^1] : output;
        return new SentenceAttention(tokenizer.Decode(text),
            source.Select(tokenizer.IdToPiece).ToArray(), output.Select(tokenizer.IdToPiece).ToArray(),
            encoderSelf, decoderSelf, cross);
    }

    /// <summary>
    /// The maps as one JSON object: {"source_tokens", "target_tokens", "encoder_self", "decoder_self", "cross", "translation"}
    /// (the schema of <c>sharpformer attention --json</c> and of the server's attention endpoint).
    /// </summary>
    public string ToJson() => JsonSerializer.Serialize(new
    {
        source_tokens = SourceTokens, target_tokens = TargetTokens, encoder_self = EncoderSelf, decoder_self = DecoderSelf, cross = Cross,
        translation = Translation,
    }, Json);

    /// <summary>Target-to-source alignment: the cross-attention averaged over every layer and head, [T][S].</summary>
    public float[][] AverageCross()
    {
        int t = TargetTokens.Count, s = SourceTokens.Count, maps = Cross.Sum(l => l.Length);
        var mean = Enumerable.Range(0, t).Select(_ => new float[s]).ToArray();
        foreach (var layer in Cross)
            foreach (var head in layer)
                for (int i = 0; i < t; i++)
                    for (int j = 0; j < s; j++) mean[i][j] += head[i][j] / maps;
        return mean;
    }

    // [h·S·S] (one batch row) → [h][S][S]
    private static float[][][] Square(float[] weights, int heads, int s) =>
        Enumerable.Range(0, heads).Select(h => Enumerable.Range(0, s).Select(i => weights.AsSpan((h * s + i) * s, s).ToArray()).ToArray()).ToArray();

    // A causal row over positions 0..t, padded with the zeros of the positions it may not see.
    private static float[] Pad(float[] row, int length)
    {
        var full = new float[length];
        row.CopyTo(full, 0);
        return full;
    }
}
