using System.Net;
using System.Text.Json;
using Sharpformer.Inference;
using Sharpformer.Model;
using Sharpformer.Server;

namespace Sharpformer.Tests.Server;

/// <summary>
/// Every refusal is an RFC 7807 problem (application/problem+json) with the status, a one-line detail and,
/// for a bad field, the field's JSON path; never a stack trace.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ErrorTests(ServedModels models) : IAsyncLifetime
{
    private ServerHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await ServerHost.StartAsync(ServerHost.Options("de-en", models.TranslationRun) with { MaxRequestBytes = 64 * 1024 });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>A body and the field its 400 must name.</summary>
    public static TheoryData<string, string, string> BadRequests() => new()
    {
        { "/v1/translate", "{}", "text" },
        { "/v1/translate", """{"text": []}""", "text" },
        { "/v1/translate", """{"text": "Ein Hund."}""", "text" },
        { "/v1/translate", """{"text": ["Ein Hund.", null]}""", "text[1]" },
        { "/v1/translate", """{"text": ["Ein Hund.", 3]}""", "text[1]" },
        { "/v1/translate", JsonSerializer.Serialize(new { text = Enumerable.Repeat("Ein Hund.", 65) }), "text" },
        { "/v1/translate", JsonSerializer.Serialize(new { text = new[] { "Ein Hund.", new string('a', 1001) } }), "text[1]" },
        { "/v1/translate", """{"text": ["Ein Hund."], "beam": 0}""", "beam" },
        { "/v1/translate", """{"text": ["Ein Hund."], "beam": 17}""", "beam" },
        { "/v1/translate", """{"text": ["Ein Hund."], "beam": 1.5}""", "beam" },
        { "/v1/translate", """{"text": ["Ein Hund."], "beam": "4"}""", "beam" },
        { "/v1/translate", """{"text": ["Ein Hund."], "alpha": 1000}""", "alpha" },
        { "/v1/translate", """{"text": ["Ein Hund."], "beam": 2, "n_best": 3}""", "n_best" },
        { "/v1/translate", """{"text": ["Ein Hund."], "nbest": 2}""", "nbest" },
        { "/v1/translate", """{"text": ["Ein Hund."], "model": "../../../etc/passwd"}""", "model" },
        { "/v1/translate", """{"text": ["Ein Hund."], "model": 5}""", "model" },
        { "/v1/translate", """{"text": ["Ein Hund."], "beam": 4, "sampling": {}}""", "sampling" },
        { "/v1/translate", """{"text": ["Ein Hund."], "sampling": {"temperature": 0}}""", "sampling.temperature" },
        { "/v1/translate", """{"text": ["Ein Hund."], "sampling": {"top_k": -1}}""", "sampling.top_k" },
        { "/v1/translate", """{"text": ["Ein Hund."], "sampling": {"top_p": 1.5}}""", "sampling.top_p" },
        { "/v1/translate", """{"text": ["Ein Hund."], "sampling": {"seed": -1}}""", "sampling.seed" },
        { "/v1/translate", """{"text": ["Ein Hund."], "sampling": {"topk": 3}}""", "sampling.topk" },
        { "/v1/translate", """{"text": ["Ein Hund."], "sampling": [1]}""", "sampling" },
        { "/v1/translate", """{"text": ["Ein Hund."]""", "body" },
        { "/v1/translate", "[1, 2]", "body" },
        { "/v1/chat", """{"text": ["Ein Hund."]}""", "model" },
        { "/v1/attention", "{}", "text" },
        { "/v1/attention", """{"text": ["Ein Hund."]}""", "text" },
        { "/v1/attention", JsonSerializer.Serialize(new { text = new string('a', 1001) }), "text" },
        { "/v1/attention", """{"text": "Ein Hund.", "beam": 99}""", "beam" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task A_bad_request_is_a_400_problem_naming_the_field(string path, string body, string field)
    {
        var problem = await Problem(await _host.PostRawAsync(path, body), 400);
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.StartsWith(field + ": ", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_415_and_one_past_the_size_limit_is_413()
    {
        await Problem(await _host.PostRawAsync("/v1/translate", "text=Ein Hund.", "text/plain"), 415);
        string huge = JsonSerializer.Serialize(new { text = Enumerable.Repeat(new string('a', 900), 64) });   // ≈ 58 KB of text, within the text limits
        await Problem(await _host.PostRawAsync("/v1/translate", huge + new string(' ', 16 * 1024)), 413);
    }

    [Fact]
    public async Task Unknown_routes_and_methods_are_problems_too()
    {
        await Problem(await _host.Client.GetAsync("/v1/nothing-here"), 404);
        await Problem(await _host.Client.GetAsync("/v1/translate"), 405);
    }

    [Fact]
    public async Task A_source_longer_than_a_learned_position_table_is_refused_before_decoding()
    {
        // The format-1 model with a learned position table of 8 entries (weights random: only the limit matters).
        using var fixture = Translator.Load(ServedModels.FormatOneRun);
        var model = new Transformer(((Transformer)fixture.Model).Config with { Positions = PositionEncodingKind.Learned, MaxPositions = 8 });
        Initialization.Initialize(model, 1);
        await using var host = await ServerHost.StartAsync(ServerHost.Options("learned", ServedModels.FormatOneRun),
            _ => new Translator(model, fixture.Tokenizer));
        Assert.Single(await host.TranslateAsync(new { text = new[] { "Ein Hund." } }));
        var problem = await Problem(await host.PostAsync("/v1/translate", new { text = new[] { "Ein Hund.", "Ein Mann fährt mit dem Fahrrad durch die Stadt." } }), 400);
        Assert.Equal("text[1]", problem.GetProperty("field").GetString());
        Assert.Contains("more than the model's 8 positions", problem.GetProperty("detail").GetString());
    }

    private static async Task<JsonElement> Problem(HttpResponseMessage response, int status)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("   at ", body);
        Assert.DoesNotContain("Exception", body);
        var json = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(status, json.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("title").GetString()));
        return json;
    }
}
