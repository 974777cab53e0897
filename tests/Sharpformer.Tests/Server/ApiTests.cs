using System.Globalization;
using System.Net;
using System.Text.Json;
using Sharpformer.Inference;
using Sharpformer.Server;
using Sharpformer.Tests.Cli;

namespace Sharpformer.Tests.Server;

/// <summary>
/// Every endpoint over real HTTP: translations equal the library's (and the outputs an older version wrote
/// for the format-1 fixture), chat and attention, the model list, health and readiness, the OpenAPI document
/// and the page's files.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ApiTests(ServedModels models)
{
    private ServeOptions TwoModels => new()
    {
        Models = [new ModelSource("de-en", models.TranslationRun), new ModelSource("old", ServedModels.FormatOneRun), new ModelSource("chat", models.ChatRun)],
    };

    [Fact]
    public async Task Translate_reproduces_the_outputs_the_fixture_run_was_published_with()
    {
        await using var host = await ServerHost.StartAsync(TwoModels);
        string dir = ServedModels.FormatOneRun;
        var sources = File.ReadAllLines(Path.Combine(dir, "sample.de"));

        // The recipe's decoding (beam 2, α 1.0) with two hypotheses each, in the translate verb's n-best layout.
        var lists = await host.TranslateAsync(new { text = sources, model = "old", n_best = 2 });
        var nBest = lists.SelectMany((list, i) => list.Select(h => FormattableString.Invariant($"{i} ||| {h.Text} ||| {h.Score:F6}")));
        Assert.Equal(File.ReadAllLines(Path.Combine(dir, "expected.beam2-alpha1.nbest")), nBest);

        var greedy = await host.TranslateAsync(new { text = sources, model = "old", beam = 1 });
        Assert.Equal(File.ReadAllLines(Path.Combine(dir, "expected.greedy.en")), greedy.Select(l => Assert.Single(l).Text));
    }

    [Fact]
    public async Task Translate_answers_in_input_order_as_the_library_does_for_search_and_sampling()
    {
        await using var host = await ServerHost.StartAsync(TwoModels);
        var sources = ServedModels.Test2016(12);
        var reference = models.Reference;

        // Default model, the recipe's beam 3 and α 1.0, three hypotheses per sentence.
        var json = await ServerHost.Json(await host.PostAsync("/v1/translate", new { text = sources, n_best = 3 }));
        Assert.Equal("de-en", json.GetProperty("model").GetString());
        Assert.True(json.GetProperty("elapsed_ms").GetDouble() > 0);
        var expected = reference.TranslateNBest(sources, reference.Defaults with { Search = reference.Defaults.Search with { NBest = 3 } });
        var translations = json.GetProperty("translations").EnumerateArray().ToArray();
        Assert.Equal(sources.Length, translations.Length);
        for (int i = 0; i < sources.Length; i++)
        {
            var list = translations[i].GetProperty("n_best").EnumerateArray().ToArray();
            Assert.Equal(3, list.Length);
            Assert.Equal(list[0].GetProperty("text").GetString(), translations[i].GetProperty("text").GetString());
            Assert.Equal(list[0].GetProperty("score").GetDouble(), translations[i].GetProperty("score").GetDouble());
            for (int k = 0; k < 3; k++)
            {
                Assert.Equal(expected[i][k].Text, list[k].GetProperty("text").GetString());
                Assert.Equal(expected[i][k].Score, list[k].GetProperty("score").GetDouble(), 1e-4);
            }
        }

        // Sampling with a seed: the library's draws, sentence i seeded by its index in the request.
        var sampled = await host.TranslateAsync(new { text = sources, sampling = new { temperature = 1.3, top_k = 20, top_p = 0.95, seed = 7 } });
        var draws = reference.TranslateNBest(sources, new DecodeOptions { Sampling = new SamplingOptions { Temperature = 1.3, TopK = 20, TopP = 0.95, Seed = 7 } });
        Assert.Equal(draws.Select(d => d[0].Text), sampled.Select(s => Assert.Single(s).Text));
        var again = await host.TranslateAsync(new { text = sources, sampling = new { temperature = 1.3, top_k = 20, top_p = 0.95, seed = 7 } });
        Assert.Equal(sampled.Select(s => s[0].Text), again.Select(s => s[0].Text));
        var greedy = reference.Translate(sources, DecodeOptions.Greedy);
        Assert.NotEqual(greedy, sampled.Select(s => s[0].Text));   // a temperature of 1.3 does change some answers
    }

    [Fact]
    public async Task Chat_answers_with_a_chat_model_and_each_endpoint_refuses_the_other_task()
    {
        await using var host = await ServerHost.StartAsync(TwoModels);
        var sources = File.ReadAllLines(Path.Combine(ServedModels.FormatOneRun, "sample.de")).Take(3).ToArray();
        var answers = await host.TranslateAsync(new { text = sources, model = "chat", beam = 1 }, "/v1/chat", "answers");
        Assert.Equal(File.ReadAllLines(Path.Combine(ServedModels.FormatOneRun, "expected.greedy.en")).Take(3), answers.Select(a => a[0].Text));

        var wrong = await ServerHost.Json(await host.PostAsync("/v1/chat", new { text = sources, model = "de-en" }), 400);
        Assert.Equal("model", wrong.GetProperty("field").GetString());
        Assert.Contains("/v1/translate", wrong.GetProperty("detail").GetString());
        var other = await ServerHost.Json(await host.PostAsync("/v1/translate", new { text = sources, model = "chat" }), 400);
        Assert.Contains("/v1/chat", other.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Attention_returns_exactly_the_json_of_the_attention_verb()
    {
        await using var host = await ServerHost.StartAsync(TwoModels);
        const string sentence = "Ein Mann fährt mit dem Fahrrad.";
        var response = await host.PostAsync("/v1/attention", new { text = sentence, model = "de-en", beam = 2 });
        var served = await ServerHost.Json(response);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var cli = CliProcess.Run(null, "attention", "--model", models.TranslationRun, "--text", sentence, "--beam", "2", "--json");
        Assert.True(cli.Exit == 0, cli.Err);
        Assert.Equal(JsonSerializer.Serialize(JsonDocument.Parse(cli.Out).RootElement), JsonSerializer.Serialize(served));
        // One encoder layer, two decoder layers, two heads each.
        Assert.Equal(1, served.GetProperty("encoder_self").GetArrayLength());
        Assert.Equal(2, served.GetProperty("decoder_self").GetArrayLength());
        Assert.Equal(2, served.GetProperty("cross")[1].GetArrayLength());
        Assert.Equal(
            typeof(Sharpformer.Server.Api.AttentionMaps).GetProperties().Select(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name)).Order(),
            served.EnumerateObject().Select(p => p.Name).Order());   // the schema the OpenAPI document shows
    }

    [Fact]
    public async Task Models_lists_every_model_with_its_task_architecture_and_recipe_defaults()
    {
        await using var host = await ServerHost.StartAsync(TwoModels);
        var json = await ServerHost.Json(await host.Client.GetAsync("/v1/models"));
        var list = json.GetProperty("models").EnumerateArray().ToArray();
        Assert.Equal(["de-en", "old", "chat"], list.Select(m => m.GetProperty("name").GetString()));
        Assert.Equal([true, false, false], list.Select(m => m.GetProperty("is_default").GetBoolean()));
        Assert.Equal(["translation", "translation", "chat"], list.Select(m => m.GetProperty("task").GetString()));
        Assert.All(list, m => Assert.Equal("transformer", m.GetProperty("architecture").GetString()));
        Assert.Equal(3, list[0].GetProperty("defaults").GetProperty("beam").GetInt32());
        Assert.Equal(2, list[1].GetProperty("defaults").GetProperty("beam").GetInt32());
        Assert.Equal(1.0, list[1].GetProperty("defaults").GetProperty("alpha").GetDouble());
        Assert.Equal(400, list[1].GetProperty("vocab_size").GetInt32());
    }

    [Fact]
    public async Task Health_answers_at_once_while_ready_waits_for_the_models()
    {
        using var gate = new ManualResetEventSlim();
        await using var host = await ServerHost.StartAsync(ServerHost.Options("de-en", models.TranslationRun), folder =>
        {
            gate.Wait(TimeSpan.FromMinutes(1));
            return Translator.Load(folder);
        }, waitForModels: false);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/health")).StatusCode);
        var notReady = await host.Client.GetAsync("/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Equal("Unhealthy", (await ServerHost.Json(notReady, 503)).GetProperty("status").GetString());
        var loading = await host.PostAsync("/v1/translate", new { text = new[] { "Ein Hund." } });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, loading.StatusCode);
        Assert.NotNull(loading.Headers.RetryAfter);
        var listed = await ServerHost.Json(await host.Client.GetAsync("/v1/models"));
        Assert.False(listed.GetProperty("models")[0].GetProperty("ready").GetBoolean());

        gate.Set();
        await host.Server.Models.Loaded.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal("Healthy", (await ServerHost.Json(await host.Client.GetAsync("/ready"))).GetProperty("status").GetString());
        Assert.Single(await host.TranslateAsync(new { text = new[] { "Ein Hund." } }));
    }

    [Fact]
    public async Task OpenApi_document_is_generated_for_every_endpoint_in_snake_case()
    {
        await using var host = await ServerHost.StartAsync(TwoModels);
        var doc = await ServerHost.Json(await host.Client.GetAsync("/openapi/v1.json"));
        Assert.StartsWith("3.", doc.GetProperty("openapi").GetString());
        var paths = doc.GetProperty("paths");
        foreach (var (path, method) in new[] { ("/v1/translate", "post"), ("/v1/chat", "post"), ("/v1/attention", "post"), ("/v1/models", "get") })
            Assert.True(paths.GetProperty(path).TryGetProperty(method, out _), $"{method} {path} missing");
        var schemas = doc.GetProperty("components").GetProperty("schemas");
        var request = schemas.GetProperty("TranslateRequest").GetProperty("properties");
        Assert.Equal(["alpha", "beam", "model", "n_best", "sampling", "text"], request.EnumerateObject().Select(p => p.Name).Order());
        Assert.True(schemas.GetProperty("SamplingRequest").GetProperty("properties").TryGetProperty("top_p", out _));
        Assert.True(schemas.GetProperty("TranslateResponse").GetProperty("properties").TryGetProperty("elapsed_ms", out _));
    }

    [Fact]
    public async Task Page_and_its_assets_are_served_by_the_app_with_nothing_from_elsewhere()
    {
        await using var host = await ServerHost.StartAsync(TwoModels);
        var page = await host.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        string html = await page.Content.ReadAsStringAsync();
        foreach (var (file, type) in new[] { ("app.js", "text/javascript"), ("headview.js", "text/javascript"), ("style.css", "text/css") })
        {
            Assert.Contains(file, html + await host.Client.GetStringAsync("/app.js"));
            var asset = await host.Client.GetAsync("/" + file);
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
            Assert.Equal(type, asset.Content.Headers.ContentType?.MediaType);
            string text = await asset.Content.ReadAsStringAsync();
            Assert.DoesNotMatch(@"(src|href|import|url)\s*[=(]?\s*['""]?(https?:)?//", text);   // no CDN, no other host
        }
        Assert.DoesNotMatch(@"(src|href)\s*=\s*['""](https?:)?//", html);
    }
}
