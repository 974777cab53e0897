using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sharpformer.Inference;
using Sharpformer.Server;

namespace Sharpformer.Tests.Server;

/// <summary>A real server (Kestrel on an ephemeral loopback port) and an HTTP client pointed at it.</summary>
public sealed class ServerHost : IAsyncDisposable
{
    private ServerHost(SharpformerServer server)
    {
        Server = server;
        BaseAddress = new Uri(server.Addresses.Single(a => a.StartsWith("http://127.0.0.1:", StringComparison.Ordinal)));
        Client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
    }

    public SharpformerServer Server { get; }
    public Uri BaseAddress { get; }
    public HttpClient Client { get; }

    /// <summary>Starts a server with <paramref name="options"/> on 127.0.0.1:0; waits for its models unless told not to.</summary>
    public static async Task<ServerHost> StartAsync(ServeOptions options, Func<string, Translator>? load = null, bool waitForModels = true)
    {
        var server = SharpformerServer.Create(options with { Urls = "http://127.0.0.1:0" }, load, b => b.Logging.ClearProviders());
        await server.StartAsync();
        if (waitForModels) await server.Models.Loaded.WaitAsync(TimeSpan.FromMinutes(1));
        return new ServerHost(server);
    }

    /// <summary>One model served as "NAME" from <paramref name="folder"/>.</summary>
    public static ServeOptions Options(string name, string folder) => new() { Models = [new ModelSource(name, folder)] };

    public Task<HttpResponseMessage> PostAsync(string path, object body, CancellationToken cancel = default) =>
        Client.PostAsJsonAsync(path, body, cancel);

    public Task<HttpResponseMessage> PostRawAsync(string path, string body, string contentType = "application/json") =>
        Client.PostAsync(path, new StringContent(body, Encoding.UTF8, contentType));

    /// <summary>The response body as JSON, after checking the status.</summary>
    public static async Task<JsonElement> Json(HttpResponseMessage response, int status = 200)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Translates through POST /v1/translate: per sentence the n-best (text, score) list.</summary>
    public async Task<(string Text, double Score)[][]> TranslateAsync(object request, string path = "/v1/translate", string key = "translations")
    {
        var json = await Json(await PostAsync(path, request));
        return json.GetProperty(key).EnumerateArray()
            .Select(t => t.GetProperty("n_best").EnumerateArray().Select(h => (h.GetProperty("text").GetString()!, h.GetProperty("score").GetDouble())).ToArray())
            .ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
