using System.Net.Http.Json;
using Sharpformer.Server;
using Sharpformer.Tests.Cli;

namespace Sharpformer.Tests.Server;

/// <summary>`sharpformer serve` as a user types it: model names, loopback by default, one-line errors, a clean stop.</summary>
[Collection(ServerCollection.Name)]
public sealed class ServeCommandTests(ServedModels models)
{
    [Theory]
    [InlineData("runs/de-en", "de-en", "runs/de-en")]
    [InlineData("runs/de-en/", "de-en", "runs/de-en/")]
    [InlineData("small=runs/de-en", "small", "runs/de-en")]
    [InlineData("v1.2_x-y=/srv/models/a=b", "v1.2_x-y", "/srv/models/a=b")]
    [InlineData("runs/a b=c", "a b=c", null)]
    public void A_model_is_DIR_named_after_its_folder_or_NAME_equals_DIR(string spec, string name, string? folder)
    {
        if (folder == null)
        {
            var e = Assert.Throws<UserInputException>(() => ModelSource.Parse(spec));
            Assert.Equal("Models", e.Field);
            Assert.Contains("NAME=DIR", e.Message);
            return;
        }
        Assert.Equal(new ModelSource(name, folder), ModelSource.Parse(spec));
    }

    [Fact]
    public void It_listens_on_loopback_unless_told_otherwise()
    {
        Assert.StartsWith("http://127.0.0.1:", new ServeOptions().Urls);
        var help = CliProcess.Run(null, "serve", "--help");
        Assert.Equal(0, help.Exit);
        Assert.Contains("[default: http://127.0.0.1:5000]", help.Out);
    }

    [Theory]
    [InlineData("--model: folder", "--model", "/no/such/run")]
    [InlineData("--model: two models are named 'a'", "--model", "a=RUN", "--model", "a=RUN")]
    [InlineData("--urls: 'ftp://x' is not an http:// or https:// address", "--model", "RUN", "--urls", "ftp://x")]
    [InlineData("--queue: must hold at least one full request (64 sentences)", "--model", "RUN", "--queue", "10")]
    [InlineData("--batch-window-ms: must be between 0 and 1000 ms", "--model", "RUN", "--batch-window-ms", "5000")]
    [InlineData("--timeout: must be a positive number of seconds", "--model", "RUN", "--timeout", "0")]
    public void Bad_options_are_one_line_errors_naming_the_flag(string message, params string[] args)
    {
        var r = CliProcess.Run(null, ["serve", .. args.Select(a => a.Replace("RUN", models.TranslationRun))]);
        Assert.Equal(2, r.Exit);
        Assert.StartsWith("error: " + message, r.Err);
        Assert.Single(r.Err.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Bench_serve_measures_every_client_count_with_batching_on_and_off()
    {
        // A smoke run (half a second per row): the figures themselves are for a quiet machine, not a test.
        var r = CliProcess.Run(null, "bench", "serve", "--model", ServedModels.FormatOneRun, "--clients", "1,3", "--seconds", "0.5", "--warmup", "0.2", "--json");
        Assert.True(r.Exit == 0, r.Err);
        var rows = System.Text.Json.JsonDocument.Parse(r.Out).RootElement.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal([(true, 1), (true, 3), (false, 1), (false, 3)], rows.Select(x => (x.GetProperty("batching").GetBoolean(), x.GetProperty("clients").GetInt32())));
        Assert.All(rows, x => Assert.Equal(0, x.GetProperty("errors").GetInt32()));
        Assert.All(rows, x => Assert.True(x.GetProperty("requests").GetInt32() > 0 && x.GetProperty("p99_ms").GetDouble() >= x.GetProperty("p50_ms").GetDouble()));
        Assert.All(rows.Where(x => !x.GetProperty("batching").GetBoolean()), x => Assert.Equal(1.0, x.GetProperty("mean_batch").GetDouble()));
        Assert.Equal(1.0, rows[0].GetProperty("speed_up").GetDouble());
    }

    [Fact]
    public async Task Two_models_by_name_then_SIGTERM_ends_it_cleanly()
    {
        using var server = new ServeProcess("--model", models.TranslationRun, "--model", $"old={ServedModels.FormatOneRun}", "--urls", "http://127.0.0.1:0");
        using var http = new HttpClient { BaseAddress = await server.ServingAsync() };
        Assert.Equal("127.0.0.1", http.BaseAddress.Host);
        Assert.Contains("serving de-en: transformer, translation, beam 3", server.Output);
        Assert.Contains("serving old: transformer, translation, beam 2", server.Output);
        var response = await http.PostAsJsonAsync("/v1/translate", new { text = new[] { "Ein Hund." }, model = "old" });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        Assert.Equal(0, await server.TerminateAsync());
    }
}
