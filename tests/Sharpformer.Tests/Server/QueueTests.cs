using System.Net;
using System.Net.Sockets;
using Sharpformer.Server;
using Sharpformer.Server.Batching;

namespace Sharpformer.Tests.Server;

/// <summary>
/// The queue in front of the decoder: a full queue turns requests away with 503 and Retry-After, a request
/// past its time limit gets 504 and leaves the queue, a client that hangs up takes its sentences out of the
/// queue, and shutdown finishes the requests in flight. The worker is held at a gate so that each situation
/// happens for certain, not by timing.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class QueueTests(ServedModels models)
{
    private static readonly string[] OneSentence = ["Ein Hund läuft."];

    /// <summary>Holds the model's decode worker before each batch until released.</summary>
    private sealed class WorkerGate : IDisposable
    {
        private readonly ManualResetEventSlim _open = new();
        private readonly SemaphoreSlim _arrived = new(0);

        public WorkerGate(DecodeBatcher batcher) => batcher.BeforeDecode = _ =>
        {
            _arrived.Release();
            _open.Wait(TimeSpan.FromMinutes(1));
        };

        /// <summary>Waits until the worker has taken a batch and stopped at the gate.</summary>
        public Task Reached() => _arrived.WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(t => Assert.True(t.Result, "the worker never took a batch"));

        public void Open() => _open.Set();
        public void Dispose() => _open.Set();
    }

    /// <summary>A server with one decode worker, the one the gate holds.</summary>
    private async Task<(ServerHost Host, DecodeBatcher Batcher)> Start(ServeOptions options)
    {
        var host = await ServerHost.StartAsync(options);
        return (host, host.Server.Models.Find(null)!.Batcher);
    }

    [Fact]
    public async Task A_full_queue_turns_requests_away_with_503_and_Retry_After()
    {
        var (host, batcher) = await Start(ServerHost.Options("de-en", models.TranslationRun) with { QueueCapacity = 4, MaxSentences = 4, DecodeWorkers = 1 });
        await using var _ = host;
        using var gate = new WorkerGate(batcher);
        var first = host.PostAsync("/v1/translate", new { text = OneSentence });            // taken by the worker, held at the gate
        await gate.Reached();
        var waiting = host.PostAsync("/v1/translate", new { text = ServedModels.Test2016(4) });   // fills the queue
        await Until(() => batcher.Queued == 4);

        var refused = await host.PostAsync("/v1/translate", new { text = OneSentence });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        Assert.Equal(1, batcher.Stats.Rejected);

        gate.Open();
        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await waiting).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync("/v1/translate", new { text = OneSentence })).StatusCode);   // room again
    }

    [Fact]
    public async Task A_request_past_its_time_limit_gets_504_and_leaves_the_queue()
    {
        var (host, batcher) = await Start(ServerHost.Options("de-en", models.TranslationRun) with { RequestTimeout = TimeSpan.FromSeconds(1), DecodeWorkers = 1 });
        await using var _ = host;
        using var gate = new WorkerGate(batcher);
        var held = host.PostAsync("/v1/translate", new { text = OneSentence });
        await gate.Reached();
        var late = await host.PostAsync("/v1/translate", new { text = ServedModels.Test2016(3) });
        Assert.Equal(HttpStatusCode.GatewayTimeout, late.StatusCode);
        Assert.Equal("application/problem+json", late.Content.Headers.ContentType?.MediaType);
        Assert.Contains("limit of 1 s", await late.Content.ReadAsStringAsync());
        Assert.Equal(0, batcher.Queued);
        Assert.Equal(3, batcher.Stats.Cancelled);
        Assert.Equal(HttpStatusCode.GatewayTimeout, (await held).StatusCode);   // the held request ran out of time as well
        gate.Open();
        await Until(() => batcher.Stats.Sentences == 1);
        Assert.Equal(1, batcher.Stats.Batches);                                 // the three late sentences were never decoded
    }

    [Fact]
    public async Task A_client_that_hangs_up_takes_its_sentences_out_of_the_queue()
    {
        var (host, batcher) = await Start(ServerHost.Options("de-en", models.TranslationRun) with { DecodeWorkers = 1 });
        await using var _ = host;
        using var gate = new WorkerGate(batcher);
        var held = host.PostAsync("/v1/translate", new { text = OneSentence });
        await gate.Reached();
        using var hangUp = new CancellationTokenSource();
        var abandoned = host.PostAsync("/v1/translate", new { text = ServedModels.Test2016(5) }, hangUp.Token);
        await Until(() => batcher.Queued == 5);
        hangUp.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        await Until(() => batcher.Queued == 0);
        Assert.Equal(5, batcher.Stats.Cancelled);
        gate.Open();
        Assert.Equal(HttpStatusCode.OK, (await held).StatusCode);
        Assert.Equal(1, batcher.Stats.Sentences);
    }

    [Fact]
    public async Task Shutdown_refuses_new_connections_and_finishes_the_requests_in_flight()
    {
        var (host, batcher) = await Start(ServerHost.Options("de-en", models.TranslationRun) with { DecodeWorkers = 1 });
        await using var _ = host;
        using var gate = new WorkerGate(batcher);
        var inFlight = host.PostAsync("/v1/translate", new { text = ServedModels.Test2016(2) });
        await gate.Reached();
        var queued = host.PostAsync("/v1/translate", new { text = ServedModels.Test2016(3) });
        await Until(() => batcher.Queued == 3);

        var stopping = host.Server.StopAsync();
        await Until(() => host.Server.Stopping.IsCancellationRequested);
        await Until(() => Refused(host.BaseAddress));
        Assert.False(stopping.IsCompleted);

        gate.Open();
        var first = await ServerHost.Json(await inFlight);
        var second = await ServerHost.Json(await queued);
        Assert.Equal(2, first.GetProperty("translations").GetArrayLength());
        Assert.Equal(3, second.GetProperty("translations").GetArrayLength());
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static bool Refused(Uri address)
    {
        using var probe = new TcpClient();
        try
        {
            probe.Connect(address.Host, address.Port);
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    private static async Task Until(Func<bool> condition)
    {
        for (int i = 0; i < 600 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition(), "condition not reached within 30 s");
    }
}
