using System.CommandLine;
using System.Net;
using Sharpformer.Server;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// <c>sharpformer serve --model DIR [--model NAME=DIR ...] [--urls http://127.0.0.1:5000]</c>: the HTTP API
/// (translate, chat, attention, models, health, readiness, OpenAPI) with dynamic batching, and the web page at /.
/// Ctrl+C or SIGTERM stops accepting connections and finishes the requests in flight.
/// </summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var defaults = new ServeOptions();
        var models = new Option<string[]>("--model", "-m")
        {
            Description = "A model folder (named after the folder) or NAME=DIR; repeat for several (the first is the default).",
            Required = true, AllowMultipleArgumentsPerToken = false, Arity = ArgumentArity.OneOrMore,
        };
        var urls = new Option<string>("--urls") { Description = "Where to listen, ';'-separated (loopback unless you say otherwise).", DefaultValueFactory = _ => defaults.Urls };
        var maxSentences = new Option<int>("--max-sentences") { Description = "Most sentences per request.", DefaultValueFactory = _ => defaults.MaxSentences };
        var maxChars = new Option<int>("--max-chars") { Description = "Most characters per sentence.", DefaultValueFactory = _ => defaults.MaxCharacters };
        var maxBody = new Option<long>("--max-body-bytes") { Description = "Largest request body (larger: 413).", DefaultValueFactory = _ => defaults.MaxRequestBytes };
        var maxBeam = new Option<int>("--max-beam") { Description = "Largest beam a request may ask for.", DefaultValueFactory = _ => defaults.MaxBeam };
        var queue = new Option<int>("--queue") { Description = "Sentences that may wait per model (beyond: 503 with Retry-After).", DefaultValueFactory = _ => defaults.QueueCapacity };
        var timeout = new Option<double>("--timeout") { Description = "Seconds a request may take, queueing included (beyond: 504).", DefaultValueFactory = _ => defaults.RequestTimeout.TotalSeconds };
        var noBatching = new Option<bool>("--no-batching") { Description = "Decode each request by itself instead of batching concurrent requests." };
        var window = new Option<double>("--batch-window-ms") { Description = "Under concurrent traffic, how long a sentence may wait for others to join its batch.", DefaultValueFactory = _ => defaults.BatchWindow.TotalMilliseconds };
        var batchTokens = new Option<int>("--batch-tokens") { Description = "Token budget of a batch (sentences × longest source × beam).", DefaultValueFactory = _ => defaults.BatchTokens };
        var workers = new Option<int>("--workers") { Description = "Batches decoded at once per model (0: one per core).", DefaultValueFactory = _ => 0 };
        var command = new Command("serve", "Serve models over HTTP: a JSON API with dynamic batching, and a web page that translates and shows attention.")
        {
            models, urls, maxSentences, maxChars, maxBody, maxBeam, queue, timeout, noBatching, window, batchTokens, workers,
        };
        command.SetAction(r =>
        {
            double seconds = r.GetValue(timeout), windowMs = r.GetValue(window);
            if (!(seconds > 0) || !double.IsFinite(seconds)) throw new UserInputException($"--timeout: must be a positive number of seconds, got {seconds}");
            if (!double.IsFinite(windowMs)) throw new UserInputException($"--batch-window-ms: must be a number, got {windowMs}");
            var options = new ServeOptions
            {
                Models = r.GetValue(models)!.Select(ModelSource.Parse).ToArray(), Urls = r.GetValue(urls)!,
                MaxSentences = r.GetValue(maxSentences), MaxCharacters = r.GetValue(maxChars), MaxRequestBytes = r.GetValue(maxBody),
                MaxBeam = r.GetValue(maxBeam), QueueCapacity = r.GetValue(queue), RequestTimeout = TimeSpan.FromSeconds(seconds),
                Batching = !r.GetValue(noBatching), BatchWindow = TimeSpan.FromMilliseconds(windowMs), BatchTokens = r.GetValue(batchTokens),
                DecodeWorkers = r.GetValue(workers),
            };
            return Run(options).GetAwaiter().GetResult();
        });
        return command;
    }

    private static async Task<int> Run(ServeOptions options)
    {
        await using var server = SharpformerServer.Create(options);
        await server.StartAsync();
        foreach (string address in server.Addresses)
            Console.Out.WriteLine($"listening on {address}{(IsLoopback(address) ? "" : "  (reachable from other machines)")}");
        try
        {
            await server.Models.Loaded.WaitAsync(server.Stopping);
        }
        catch (OperationCanceledException) when (server.Stopping.IsCancellationRequested)
        {
            return 0;
        }
        catch
        {
            await server.StopAsync();
            throw;
        }
        foreach (var model in server.Models.LoadedModels)
        {
            var search = model.Translator.Defaults.Search;
            string decoding = search.BeamSize > 1 ? $"beam {search.BeamSize}, α {search.LengthPenalty}" : "greedy";
            Console.Out.WriteLine($"serving {model.Name}: {model.Translator.Model.Architecture}, {model.Translator.Task.ToString().ToLowerInvariant()}, {decoding}");
        }
        string home = Browsable(server.Addresses.FirstOrDefault() ?? options.Urls);
        Console.Out.WriteLine($"page: {home}/   API: POST {home}/v1/translate   OpenAPI: {home}/openapi/v1.json   " +
            $"batching {(options.Batching ? $"on ({options.BatchWindow.TotalMilliseconds:0.#} ms window)" : "off")}");
        Console.Out.WriteLine("Ctrl+C stops (requests in flight finish first).");
        using var stopping = server.Stopping.Register(() => Console.Out.WriteLine("stopping: finishing the requests in flight…"));
        await server.WaitForShutdownAsync();
        Console.Out.WriteLine("stopped");
        return 0;
    }

    /// <summary>An address a browser on this machine can open: a wildcard host (0.0.0.0, [::], *, +) becomes localhost.</summary>
    private static string Browsable(string address) =>
        Uri.TryCreate(address.Replace("://*", "://localhost").Replace("://+", "://localhost"), UriKind.Absolute, out var uri)
            ? (uri.Host is "0.0.0.0" or "[::]" or "::" ? new UriBuilder(uri) { Host = "localhost" }.Uri : uri).GetLeftPart(UriPartial.Authority)
            : address;

    private static bool IsLoopback(string address)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri)) return false;
        return uri.IsLoopback || IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }
}
