using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Sharpformer.Inference;
using Sharpformer.Server.Batching;
using Sharpformer.Training;

namespace Sharpformer.Server.Api;

/// <summary>
/// The /v1 endpoints: translate, chat, attention and the model list. Each handler reads and checks its
/// body (<see cref="JsonBody"/>, <see cref="RequestRules"/>), finds the model by name in the
/// <see cref="ModelRegistry"/> (a request value never reaches a file path), and decodes through the model's
/// <see cref="DecodeBatcher"/>, whose queue bound, cancellation and workers every request shares.
/// </summary>
public static class ModelEndpoints
{
    public static void MapModelEndpoints(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1");
        v1.MapPost("/translate", (HttpContext context, ModelRegistry models, RequestRules rules, IOptions<JsonOptions> json) =>
                Guarded(context, () => Decode(context, models, rules, json.Value.SerializerOptions, ModelTask.Translation)))
            .Accepts<TranslateRequest>("application/json")
            .Produces<TranslateResponse>()
            .RefusesLikeEveryDecodeEndpoint()
            .WithSummary("Translate sentences")
            .WithDescription("Translates each sentence on its own (dynamic batching decodes concurrent requests together); results in input order.");
        v1.MapPost("/chat", (HttpContext context, ModelRegistry models, RequestRules rules, IOptions<JsonOptions> json) =>
                Guarded(context, () => Decode(context, models, rules, json.Value.SerializerOptions, ModelTask.Chat)))
            .Accepts<TranslateRequest>("application/json")
            .Produces<ChatResponse>()
            .RefusesLikeEveryDecodeEndpoint()
            .WithSummary("Answer messages with a chat model")
            .WithDescription("The same request as /v1/translate, for models trained as chatbots; the response holds \"answers\".");
        v1.MapPost("/attention", (HttpContext context, ModelRegistry models, RequestRules rules, IOptions<JsonOptions> json) =>
                Guarded(context, () => Attention(context, models, rules, json.Value.SerializerOptions)))
            .Accepts<AttentionRequest>("application/json")
            .Produces<AttentionMaps>()
            .RefusesLikeEveryDecodeEndpoint()
            .WithSummary("Attention maps of one translated sentence")
            .WithDescription("Every layer and head of encoder self-, decoder self- and encoder–decoder attention: the JSON of `sharpformer attention --json`.");
        v1.MapGet("/models", (ModelRegistry models) => TypedResults.Ok(Describe(models)))
            .WithSummary("The served models")
            .WithDescription("Name, task, architecture and default decoding of every model; ready is false while a model loads.");
    }

    /// <summary>The problems a decoding endpoint answers with, for the OpenAPI document.</summary>
    private static RouteHandlerBuilder RefusesLikeEveryDecodeEndpoint(this RouteHandlerBuilder endpoint) => endpoint
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
        .ProducesProblem(StatusCodes.Status504GatewayTimeout);

    private static async Task<IResult> Guarded(HttpContext context, Func<Task<IResult>> handler)
    {
        try
        {
            return await handler();
        }
        catch (ApiProblem problem)
        {
            return problem.ToResult(context);
        }
        catch (QueueFullException full)
        {
            return new ApiProblem(StatusCodes.Status503ServiceUnavailable, null, full.Message, full.RetryAfterSeconds).ToResult(context);
        }
    }

    private static async Task<IResult> Decode(HttpContext context, ModelRegistry models, RequestRules rules, JsonSerializerOptions json, ModelTask task)
    {
        long start = Stopwatch.GetTimestamp();
        var request = await JsonBody.ReadAsync<TranslateRequest>(context.Request, json, context.RequestAborted);
        var model = Find(models, request.Model, task);
        var sentences = rules.Sentences(request.Text);
        var options = rules.Options(model.Translator.Defaults, request.Beam, request.Alpha, request.NBest, request.Sampling);
        var ids = rules.Encode(model.Translator, sentences, i => $"text[{i}]");
        var hypotheses = await model.Batcher.DecodeAsync(ids, options, context.RequestAborted);
        var results = hypotheses.Select(list =>
        {
            var nBest = list.Select(h => new ScoredText(model.Translator.Tokenizer.Decode(h.Tokens), h.Score)).ToArray();
            return new TranslationResult(nBest[0].Text, nBest[0].Score, nBest);
        }).ToArray();
        double elapsed = Math.Round(Stopwatch.GetElapsedTime(start).TotalMilliseconds, 2);
        return task == ModelTask.Chat
            ? TypedResults.Ok(new ChatResponse(model.Name, results, elapsed))
            : TypedResults.Ok(new TranslateResponse(model.Name, results, elapsed));
    }

    private static async Task<IResult> Attention(HttpContext context, ModelRegistry models, RequestRules rules, JsonSerializerOptions json)
    {
        var request = await JsonBody.ReadAsync<AttentionRequest>(context.Request, json, context.RequestAborted);
        var model = Find(models, request.Model, task: null);
        string text = rules.Sentence(request.Text, "text");
        var options = rules.Options(model.Translator.Defaults, request.Beam, request.Alpha, nBest: 1, sampling: null);
        rules.Encode(model.Translator, [text], _ => "text");
        string maps = await model.Batcher.RunAloneAsync(() => SentenceAttention.Of(model.Translator, text, options).ToJson(), 1,
            context.RequestAborted);
        return TypedResults.Text(maps, "application/json");
    }

    /// <summary>The loaded model a request names (null: the default), checked against the endpoint's task.</summary>
    private static ServedModel Find(ModelRegistry models, string? name, ModelTask? task)
    {
        if (name != null && !models.IsKnown(name))
            throw ApiProblem.BadRequest("model", $"unknown model {ApiProblem.Quote(name)} (served: {string.Join(", ", models.Names)})");
        var model = models.Find(name)
            ?? throw new ApiProblem(StatusCodes.Status503ServiceUnavailable, null, $"model '{name ?? models.DefaultName}' is still loading", retryAfterSeconds: 1);
        if (task is { } wanted && model.Translator.Task != wanted)
            throw ApiProblem.BadRequest("model", model.Translator.Task == ModelTask.Chat
                ? $"'{model.Name}' is a chat model: POST /v1/chat"
                : $"'{model.Name}' is a translation model: POST /v1/translate");
        return model;
    }

    private static ModelsResponse Describe(ModelRegistry models) => new(models.Names.Select(name =>
    {
        bool isDefault = name == models.DefaultName;
        if (models.Find(name) is not { Translator: var t }) return new ModelInfo(name, false, isDefault, null, null, null, null);
        var search = t.Defaults.Search;
        return new ModelInfo(name, true, isDefault, t.Task == ModelTask.Chat ? "chat" : "translation", t.Model.Architecture,
            new DecodingDefaults(search.BeamSize, search.LengthPenalty), t.Model.Tokens.VocabSize);
    }).ToArray());
}
