using System.Diagnostics;
using Sharpformer.Inference;

namespace Sharpformer.Server.Batching;

/// <summary>How a <see cref="DecodeBatcher"/> forms batches.</summary>
/// <param name="Enabled">Batch sentences of different requests together (false: each request by itself).</param>
/// <param name="Window">How long the oldest waiting sentence waits for others to join it.</param>
/// <param name="BatchTokens">Budget of one batch: sentences × longest source × beam (one sentence always fits).</param>
/// <param name="QueueCapacity">Sentences that may wait; a request that does not fit is turned away.</param>
/// <param name="Workers">Threads that decode batches side by side.</param>
public sealed record BatcherSettings(bool Enabled, TimeSpan Window, int BatchTokens, int QueueCapacity, int Workers);

/// <summary>Thrown when a request does not fit in the queue; <see cref="RetryAfterSeconds"/> estimates when it would.</summary>
public sealed class QueueFullException(int retryAfterSeconds)
    : Exception($"the decoding queue is full; retry in {retryAfterSeconds} s")
{
    public int RetryAfterSeconds { get; } = retryAfterSeconds;
}

/// <summary>
/// Dynamic batching in front of one <see cref="Translator"/>, as production MT servers do it: each sentence
/// of each request waits in one queue; a free worker takes the oldest and every waiting sentence with the
/// same decode options that fits the token budget, decodes them in one <see cref="Translator.DecodeBatchNBest"/>
/// call and hands each caller its own hypotheses. Options must be equal to share a batch (a beam, a length
/// penalty and a sampler apply to a whole batch). While traffic is concurrent (recent batches held more than
/// one sentence) a worker also holds a batch open for up to <see cref="BatcherSettings.Window"/> after its
/// oldest sentence arrived, so that requests arriving together share it, closing it early once nothing new has
/// arrived for a quarter of the window; a lone client never waits.
/// A request whose token is cancelled (client gone, timeout) leaves the queue at once.
/// Dispose decodes what is still queued, then stops the workers.
/// </summary>
public sealed class DecodeBatcher : IDisposable
{
    private readonly Translator _translator;
    private readonly BatcherSettings _settings;
    private readonly object _gate = new();
    private readonly List<QueuedWork> _pending = [];
    private readonly Thread[] _workers;
    private int _queuedSlots;
    private bool _closing;

    // Moving average of recent batch sizes: above ConcurrentTraffic, waiting for more sentences pays off.
    private double _recentBatch = 1;
    private const double ConcurrentTraffic = 1.25;
    private long _lastArrival;

    public DecodeBatcher(Translator translator, BatcherSettings settings, string name = "model")
    {
        _translator = translator;
        _settings = settings;
        _workers = Enumerable.Range(0, Math.Max(1, settings.Workers))
            .Select(i => new Thread(WorkerLoop) { IsBackground = true, Name = $"decode {name} #{i + 1}" }).ToArray();
        foreach (var worker in _workers) worker.Start();
    }

    public BatcherStats Stats { get; } = new();

    /// <summary>Sentences (and solo-job slots) waiting for a worker.</summary>
    public int Queued { get { lock (_gate) return _queuedSlots; } }

    /// <summary>Runs on a worker just before it decodes a batch, with the batch's size (tests use it to hold the worker).</summary>
    internal Action<int>? BeforeDecode { get; set; }

    /// <summary>
    /// Decodes <paramref name="sources"/> (id sequences ending with EOS) with <paramref name="options"/>; per
    /// source its n-best hypotheses, in order. Throws <see cref="QueueFullException"/> at once when the queue
    /// cannot take them all, and <see cref="OperationCanceledException"/> when <paramref name="cancel"/> fires first.
    /// </summary>
    public async Task<IReadOnlyList<Hypothesis>[]> DecodeAsync(int[][] sources, DecodeOptions options, CancellationToken cancel)
    {
        var request = new object();
        var items = sources.Select((source, i) => new SentenceWork(source, options, i, request)).ToArray();
        await Enqueue(items, cancel, items.Select(i => (Task)i.Result).ToArray());
        return items.Select(i => i.Result.Result).ToArray();
    }

    /// <summary>
    /// Runs <paramref name="job"/> (e.g. an attention map, which decodes its own way) on a worker, in no batch,
    /// holding <paramref name="slots"/> queue slots while it waits: the queue bound, cancellation and workers apply to it too.
    /// </summary>
    public async Task<T> RunAloneAsync<T>(Func<T> job, int slots, CancellationToken cancel)
    {
        var work = new SoloWork<T>(job, Math.Max(1, slots));
        await Enqueue([work], cancel, [work.Result]);
        return work.Result.Result;
    }

    private async Task Enqueue(QueuedWork[] items, CancellationToken cancel, Task[] results)
    {
        cancel.ThrowIfCancellationRequested();
        int slots = items.Sum(i => i.Slots);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closing, this);
            if (_queuedSlots + slots > _settings.QueueCapacity)
            {
                Stats.TurnedAway();
                throw new QueueFullException(RetryAfter(_queuedSlots + slots));
            }
            _queuedSlots += slots;
            _pending.AddRange(items);
            _lastArrival = Stopwatch.GetTimestamp();
            Monitor.PulseAll(_gate);
        }
        try
        {
            await Task.WhenAll(results).WaitAsync(cancel);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Withdraw(items, cancel);
            throw;
        }
    }

    /// <summary>Takes a cancelled request's items out of the queue (those already decoding finish unseen).</summary>
    private void Withdraw(QueuedWork[] items, CancellationToken cancel)
    {
        int dropped = 0;
        lock (_gate)
        {
            foreach (var item in items)
                if (_pending.Remove(item))
                {
                    _queuedSlots -= item.Slots;
                    item.TryCancel(cancel);
                    dropped += item is SentenceWork ? 1 : 0;
                }
        }
        if (dropped > 0) Stats.Dropped(dropped);
    }

    private int RetryAfter(int slots) =>
        (int)Math.Clamp(Math.Ceiling(slots * Stats.SecondsPerSentence / _workers.Length), 1, 60);

    private void WorkerLoop()
    {
        while (NextBatch() is { } batch)
        {
            if (batch is [ISoloWork solo])
            {
                solo.Run();
                Stats.RanSolo();
            }
            else Decode(batch.Cast<SentenceWork>().ToArray());
        }
    }

    /// <summary>Waits for work and takes the next batch off the queue; null once closing and drained.</summary>
    private List<QueuedWork>? NextBatch()
    {
        lock (_gate)
        {
            while (true)
            {
                if (_pending.Count == 0)
                {
                    if (_closing) return null;
                    Monitor.Wait(_gate);
                    continue;
                }
                var oldest = _pending[0];
                if (_settings.Enabled && oldest is SentenceWork sentence && !_closing && _recentBatch > ConcurrentTraffic)
                {
                    // Wait out the window from the oldest arrival, unless the burst is over (nothing new for a quarter of it).
                    var remaining = Min(_settings.Window - Stopwatch.GetElapsedTime(sentence.QueuedAt),
                        _settings.Window / 4 - Stopwatch.GetElapsedTime(_lastArrival));
                    if (remaining > TimeSpan.Zero && !Plan(sentence, out _))
                    {
                        Monitor.Wait(_gate, remaining);
                        continue;
                    }
                }
                List<QueuedWork> batch = [oldest];
                if (oldest is SentenceWork first)
                {
                    Plan(first, out batch);
                    _recentBatch = 0.7 * _recentBatch + 0.3 * batch.Count;
                }
                foreach (var item in batch) _pending.Remove(item);
                _queuedSlots -= batch.Sum(i => i.Slots);
                return batch;
            }
        }
    }

    /// <summary>
    /// The batch the oldest sentence <paramref name="first"/> would lead now: the waiting sentences that may join it
    /// (same options with batching, same request without), in arrival order, while the budget allows.
    /// True when the budget is full (no point waiting for more).
    /// </summary>
    private bool Plan(SentenceWork first, out List<QueuedWork> batch)
    {
        batch = [first];
        int longest = first.Source.Length, budget = _settings.BatchTokens;
        bool full = false;
        for (int i = 1; i < _pending.Count; i++)
        {
            if (_pending[i] is not SentenceWork s) continue;
            bool compatible = _settings.Enabled ? s.Options.Equals(first.Options) : ReferenceEquals(s.Request, first.Request);
            if (!compatible) continue;
            int newLongest = Math.Max(longest, s.Source.Length);
            if ((long)(batch.Count + 1) * newLongest * first.Beam > budget)
            {
                full = true;
                continue;
            }
            batch.Add(s);
            longest = newLongest;
        }
        return full || (long)(batch.Count + 1) * longest * first.Beam > budget;
    }

    private void Decode(SentenceWork[] batch)
    {
        try
        {
            BeforeDecode?.Invoke(batch.Length);
            long start = Stopwatch.GetTimestamp();
            var results = _translator.DecodeBatchNBest(batch.Select(s => s.Source).ToArray(), batch[0].Options,
                batch.Select(s => s.SentenceId).ToArray());
            Stats.Decoded(batch.Length, Stopwatch.GetElapsedTime(start).TotalSeconds);
            for (int i = 0; i < batch.Length; i++) batch[i].Complete(results[i]);
        }
        catch (Exception e)
        {
            Stats.BatchFailed();
            foreach (var s in batch) s.Fail(e);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>Decodes what is queued, then ends the workers.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_closing) return;
            _closing = true;
            Monitor.PulseAll(_gate);
        }
        foreach (var worker in _workers) worker.Join();
    }
}
