namespace Sharpformer.Server.Batching;

/// <summary>
/// What a model's batcher has done: sentences decoded, in how many batches, what was cancelled or
/// turned away. Counters only grow; <see cref="SecondsPerSentence"/> is a moving average that sets Retry-After.
/// </summary>
public sealed class BatcherStats
{
    private long _sentences, _batches, _solo, _cancelled, _rejected, _failed;
    private double _secondsPerSentence = 0.05;

    /// <summary>Sentences decoded.</summary>
    public long Sentences => Interlocked.Read(ref _sentences);

    /// <summary>Decode batches run (their mean size is Sentences / Batches).</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Jobs run on their own (attention maps).</summary>
    public long SoloJobs => Interlocked.Read(ref _solo);

    /// <summary>Sentences dropped from the queue because their request was cancelled or timed out.</summary>
    public long Cancelled => Interlocked.Read(ref _cancelled);

    /// <summary>Requests turned away because the queue was full.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Batches whose decoding threw.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Recent decoding time per sentence (exponential moving average).</summary>
    public double SecondsPerSentence => Volatile.Read(ref _secondsPerSentence);

    internal void Decoded(int sentences, double seconds)
    {
        Interlocked.Add(ref _sentences, sentences);
        Interlocked.Increment(ref _batches);
        double perSentence = seconds / Math.Max(1, sentences);
        Volatile.Write(ref _secondsPerSentence, 0.8 * SecondsPerSentence + 0.2 * perSentence);
    }

    internal void RanSolo() => Interlocked.Increment(ref _solo);
    internal void Dropped(int sentences) => Interlocked.Add(ref _cancelled, sentences);
    internal void TurnedAway() => Interlocked.Increment(ref _rejected);
    internal void BatchFailed() => Interlocked.Increment(ref _failed);
}
