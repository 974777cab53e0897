using System.ComponentModel.DataAnnotations;

namespace Sharpformer.Server.Api;

// The JSON bodies of the API. Property names go over the wire in snake_case (n_best, top_k, elapsed_ms);
// the OpenAPI document is generated from these records.

/// <summary>Body of POST /v1/translate and POST /v1/chat. Every field but <c>text</c> is optional; decoding defaults to the model's recipe.</summary>
public sealed record TranslateRequest
{
    /// <summary>The sentences (or messages) to translate (or answer), each on its own; results come back in this order.</summary>
    [Required]
    public string[]? Text { get; init; }

    /// <summary>The model's name (GET /v1/models); the server's first model when absent.</summary>
    public string? Model { get; init; }

    /// <summary>Beam size; 1 is greedy search.</summary>
    public int? Beam { get; init; }

    /// <summary>Length penalty α of beam search (GNMT: ((5 + |Y|) / 6)^α).</summary>
    public double? Alpha { get; init; }

    /// <summary>Hypotheses returned per sentence, best first (at most the beam size).</summary>
    public int? NBest { get; init; }

    /// <summary>Draw each token instead of searching (needs beam 1).</summary>
    public SamplingRequest? Sampling { get; init; }
}

/// <summary>Sampling settings: temperature, top-k and nucleus (top-p) cut, and the seed that makes an answer reproducible.</summary>
public sealed record SamplingRequest
{
    /// <summary>Below 1 sharper, above 1 more varied (default 1).</summary>
    public double? Temperature { get; init; }

    /// <summary>Draw only among the K most likely tokens (0, the default: all).</summary>
    public int? TopK { get; init; }

    /// <summary>Draw only among the most likely tokens whose probability sums to P (default 1: all).</summary>
    public double? TopP { get; init; }

    /// <summary>Seed of the draws (default 0): the same seed and input give the same output.</summary>
    public ulong? Seed { get; init; }
}

/// <summary>One hypothesis and its score (log P / lp(|Y|); log P for greedy search and sampling).</summary>
public sealed record ScoredText(string Text, double Score);

/// <summary>The best output for one input, with the whole n-best list (best first).</summary>
public sealed record TranslationResult(string Text, double Score, IReadOnlyList<ScoredText> NBest);

/// <summary>Response of POST /v1/translate.</summary>
public sealed record TranslateResponse(string Model, IReadOnlyList<TranslationResult> Translations, double ElapsedMs);

/// <summary>Response of POST /v1/chat.</summary>
public sealed record ChatResponse(string Model, IReadOnlyList<TranslationResult> Answers, double ElapsedMs);

/// <summary>Body of POST /v1/attention: one sentence, and optionally the decoding of the output whose maps are returned.</summary>
public sealed record AttentionRequest
{
    /// <summary>The source sentence (or message).</summary>
    [Required]
    public string? Text { get; init; }

    /// <summary>The model's name; the server's first model when absent.</summary>
    public string? Model { get; init; }

    /// <summary>Beam size of the translation whose maps are drawn (default: the model's recipe).</summary>
    public int? Beam { get; init; }

    /// <summary>Length penalty α of that beam search.</summary>
    public double? Alpha { get; init; }
}

/// <summary>
/// Response of POST /v1/attention: exactly the JSON of <c>sharpformer attention --json</c>. Maps are
/// [layer][head][query][key]; encoder_self is S×S, decoder_self T×T (zero above the diagonal), cross T×S,
/// where S counts the source pieces and T the output pieces (EOS included). An architecture without
/// self-attention returns empty encoder_self and decoder_self.
/// </summary>
public sealed record AttentionMaps(
    string[] SourceTokens, string[] TargetTokens, float[][][][] EncoderSelf, float[][][][] DecoderSelf, float[][][][] Cross, string Translation);

/// <summary>The decoding a model uses when a request does not say.</summary>
public sealed record DecodingDefaults(int Beam, double Alpha);

/// <summary>One served model.</summary>
/// <param name="Name">What requests call it.</param>
/// <param name="Ready">False while it is still loading (the other details are then null).</param>
/// <param name="IsDefault">Used when a request names no model.</param>
/// <param name="Task">"translation" (POST /v1/translate) or "chat" (POST /v1/chat).</param>
/// <param name="Architecture">The model file's architecture, e.g. "transformer".</param>
/// <param name="Defaults">Beam and α from the model's recipe.</param>
/// <param name="VocabSize">Subword pieces in its vocabulary.</param>
public sealed record ModelInfo(string Name, bool Ready, bool IsDefault, string? Task, string? Architecture, DecodingDefaults? Defaults, int? VocabSize);

/// <summary>Response of GET /v1/models.</summary>
public sealed record ModelsResponse(IReadOnlyList<ModelInfo> Models);
