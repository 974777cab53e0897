using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sharpformer.Inference;
using Sharpformer.Server.Api;

namespace Sharpformer.Server;

/// <summary>
/// The Sharpformer HTTP server: Kestrel with the /v1 API, health and readiness probes, the OpenAPI
/// document at /openapi/v1.json, and the web page at /, over the models of <see cref="ServeOptions"/>.
/// <code>
/// await using var server = SharpformerServer.Create(new ServeOptions { Models = [ModelSource.Parse("runs/de-en")] });
/// await server.StartAsync();           // listening; models load in the background (GET /ready)
/// await server.WaitForShutdownAsync(); // Ctrl+C or SIGTERM: stops accepting, finishes requests in flight
/// </code>
/// </summary>
public sealed class SharpformerServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SharpformerServer(WebApplication app, ServeOptions options, ModelRegistry models)
    {
        _app = app;
        Options = options;
        Models = models;
    }

    public ServeOptions Options { get; }
    public ModelRegistry Models { get; }

    /// <summary>The addresses Kestrel listens on (with the real port when the options asked for port 0).</summary>
    public IReadOnlyList<string> Addresses =>
        _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];

    /// <summary>Stops when the host is asked to (Ctrl+C, SIGTERM, <see cref="StopAsync"/>).</summary>
    public CancellationToken Stopping => _app.Lifetime.ApplicationStopping;

    /// <param name="options">Models, address, limits and batching (validated here).</param>
    /// <param name="load">Opens a model folder (default: <see cref="Translator.Load"/>).</param>
    /// <param name="configure">Last changes to the host before it is built (e.g. logging).</param>
    public static SharpformerServer Create(ServeOptions options, Func<string, Translator>? load = null, Action<WebApplicationBuilder>? configure = null)
    {
        options.Validate();
        // The content root is the program's folder, not the current one: the host watches its appsettings
        // files, and a server started from / would watch the whole file system.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [], ApplicationName = typeof(SharpformerServer).Assembly.GetName().Name, ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBytes;
            kestrel.AddServerHeader = false;
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);

        var models = new ModelRegistry(options, load);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(models);
        builder.Services.AddSingleton(new RequestRules(options));
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.PropertyNameCaseInsensitive = false;
            json.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;   // "beam": "4" is a mistake, not a number
        });
        builder.Services.AddProblemDetails();
        builder.Services.AddRequestTimeouts(timeouts => timeouts.DefaultPolicy = new RequestTimeoutPolicy
        {
            Timeout = options.RequestTimeout,
            TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
            WriteTimeoutResponse = context => Results.Problem(
                $"the request took longer than the server's limit of {options.RequestTimeout.TotalSeconds:0.###} s",
                statusCode: StatusCodes.Status504GatewayTimeout).ExecuteAsync(context),
        });
        builder.Services.AddHealthChecks()
            .AddCheck("models", () => models.IsReady ? HealthCheckResult.Healthy("every model is loaded") : HealthCheckResult.Unhealthy("models are loading"),
                tags: ["ready"]);
        builder.Services.AddOpenApi();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use((context, next) =>
        {
            context.Response.Headers.XContentTypeOptions = "nosniff";
            return next(context);
        });
        WebPage.Serve(app);
        app.UseRouting();
        app.UseRequestTimeouts();
        app.MapOpenApi();
        app.MapHealthChecks("/health", new() { Predicate = _ => false, ResponseWriter = HealthResponse.Write });
        app.MapHealthChecks("/ready", new() { Predicate = check => check.Tags.Contains("ready"), ResponseWriter = HealthResponse.Write });
        app.MapModelEndpoints();
        return new SharpformerServer(app, options, models);
    }

    /// <summary>Starts listening, then loads the models in the background.</summary>
    public async Task StartAsync(CancellationToken cancel = default)
    {
        await _app.StartAsync(cancel);
        Models.StartLoading();
    }

    /// <summary>Waits until the host is asked to stop and has stopped (requests in flight finish first).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancel = default) => _app.WaitForShutdownAsync(cancel);

    /// <summary>Stops accepting connections and waits for requests in flight (up to <see cref="ServeOptions.ShutdownTimeout"/>).</summary>
    public Task StopAsync(CancellationToken cancel = default) => _app.StopAsync(cancel);

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        Models.Dispose();
    }
}

/// <summary>The JSON body of /health and /ready: {"status": "Healthy", "checks": {"models": "every model is loaded"}}.</summary>
internal static class HealthResponse
{
    public static Task Write(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => e.Value.Description),
        }));
    }
}
