using Sharpformer.Inference;

namespace Sharpformer.Server.Api;

/// <summary>
/// The limits and checks every request passes before it reaches a model, each failure a 400 naming the
/// JSON field: how many sentences, how long each may be, which decoding settings are allowed. Settings a
/// request leaves out come from the model's recipe (<see cref="Translator.Defaults"/>).
/// </summary>
public sealed class RequestRules(ServeOptions limits)
{
    /// <summary>The sentences of a translate or chat request, checked against the count and length limits.</summary>
    public string[] Sentences(string[]? text)
    {
        if (text == null) throw ApiProblem.BadRequest("text", "required: an array of sentences");
        if (text.Length == 0) throw ApiProblem.BadRequest("text", "no sentences given");
        if (text.Length > limits.MaxSentences)
            throw ApiProblem.BadRequest("text", $"{text.Length} sentences, more than the limit of {limits.MaxSentences} per request");
        for (int i = 0; i < text.Length; i++) Sentence(text[i], $"text[{i}]");
        return text;
    }

    /// <summary>One sentence (the attention request's text, or one element of an array).</summary>
    public string Sentence(string? text, string field)
    {
        if (text == null) throw ApiProblem.BadRequest(field, "required: a string");
        if (text.Length > limits.MaxCharacters)
            throw ApiProblem.BadRequest(field, $"{text.Length} characters, more than the limit of {limits.MaxCharacters}");
        return text;
    }

    /// <summary>Token ids of each sentence (EOS last), checked against what the model can hold.</summary>
    public int[][] Encode(Translator translator, IReadOnlyList<string> sentences, Func<int, string> field)
    {
        int limit = translator.Model.MaxTargetPositions;
        var ids = new int[sentences.Count][];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = translator.Tokenizer.Encode(sentences[i], addBos: false, addEos: true);
            if (ids[i].Length > limit)
                throw ApiProblem.BadRequest(field(i), $"{ids[i].Length} subword tokens, more than the model's {limit} positions");
        }
        return ids;
    }

    /// <summary>
    /// The decode options of a request: the model's recipe overridden by what the request gives. Sampling
    /// draws one answer per input, so it takes beam 1; greedy search ignores α, which is then normalised
    /// so that greedy requests share batches whatever α they name.
    /// </summary>
    public DecodeOptions Options(DecodeOptions defaults, int? beam, double? alpha, int? nBest, SamplingRequest? sampling)
    {
        SamplingOptions? draw = null;
        if (sampling != null)
        {
            if (beam is { } b && b != 1) throw ApiProblem.BadRequest("sampling", $"draws one answer per sentence, so beam must be 1 or left out, got {b}");
            if (nBest is { } n && n != 1) throw ApiProblem.BadRequest("n_best", $"sampling draws one answer per sentence, so n_best must be 1, got {n}");
            draw = Sampling(sampling);
        }
        int size = draw != null ? 1 : beam ?? defaults.Search.BeamSize;
        if (size < 1 || size > limits.MaxBeam) throw ApiProblem.BadRequest("beam", $"must be between 1 and {limits.MaxBeam}, got {size}");
        double lengthPenalty = alpha ?? defaults.Search.LengthPenalty;
        if (!double.IsFinite(lengthPenalty) || Math.Abs(lengthPenalty) > 100)
            throw ApiProblem.BadRequest("alpha", $"must be a number between -100 and 100, got {lengthPenalty}");
        int best = nBest ?? 1;
        if (best < 1 || best > size) throw ApiProblem.BadRequest("n_best", $"must be between 1 and the beam size {size}, got {best}");
        var search = defaults.Search with { BeamSize = size, LengthPenalty = size == 1 ? 0 : lengthPenalty, NBest = best };
        return new DecodeOptions { Search = search, Sampling = draw, BatchTokens = defaults.BatchTokens }.Validate();
    }

    private static SamplingOptions Sampling(SamplingRequest request)
    {
        var options = new SamplingOptions
        {
            Temperature = request.Temperature ?? 1.0, TopK = request.TopK ?? 0, TopP = request.TopP ?? 1.0, Seed = request.Seed ?? 0,
        };
        try
        {
            return options.Validate();
        }
        catch (UserInputException e) when (e.Field != null)
        {
            string field = e.Field switch { "Temperature" => "temperature", "TopK" => "top_k", "TopP" => "top_p", _ => e.Field };
            throw ApiProblem.BadRequest("sampling." + field, e.Detail);
        }
    }
}
