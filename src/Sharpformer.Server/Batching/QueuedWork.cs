using System.Diagnostics;
using Sharpformer.Inference;

namespace Sharpformer.Server.Batching;

/// <summary>Something waiting in a batcher's queue: one sentence to decode, or a job that runs alone.</summary>
internal abstract class QueuedWork
{
    /// <summary>When it was queued (<see cref="Stopwatch.GetTimestamp"/>): the batch window counts from the oldest item.</summary>
    public long QueuedAt { get; } = Stopwatch.GetTimestamp();

    /// <summary>Queue slots it holds (a sentence holds one).</summary>
    public abstract int Slots { get; }

    public abstract bool TryCancel(CancellationToken token);
    public abstract void Fail(Exception error);
}

/// <summary>
/// One sentence of a request. Sentences with equal <see cref="Options"/> may share a batch;
/// <see cref="SentenceId"/> (its index in the request) seeds sampled draws, so an answer does not depend on the batch.
/// </summary>
internal sealed class SentenceWork(int[] source, DecodeOptions options, int sentenceId, object request) : QueuedWork
{
    private readonly TaskCompletionSource<IReadOnlyList<Hypothesis>> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int[] Source { get; } = source;
    public DecodeOptions Options { get; } = options;
    public int SentenceId { get; } = sentenceId;

    /// <summary>The request it belongs to (without batching, a request's sentences are decoded by themselves).</summary>
    public object Request { get; } = request;

    public Task<IReadOnlyList<Hypothesis>> Result => _result.Task;
    public override int Slots => 1;

    /// <summary>Decoder rows per sentence: the beam, 1 for greedy search and sampling.</summary>
    public int Beam => Options.Sampling != null ? 1 : Options.Search.BeamSize;

    public void Complete(IReadOnlyList<Hypothesis> hypotheses) => _result.TrySetResult(hypotheses);
    public override bool TryCancel(CancellationToken token) => _result.TrySetCanceled(token);
    public override void Fail(Exception error) => _result.TrySetException(error);
}

/// <summary>A job that needs the decoder to itself (an attention map), counted in the queue as <see cref="Slots"/> sentences.</summary>
internal sealed class SoloWork<T>(Func<T> job, int slots) : QueuedWork, ISoloWork
{
    private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<T> Result => _result.Task;
    public override int Slots { get; } = slots;

    public void Run()
    {
        try { _result.TrySetResult(job()); }
        catch (Exception e) { _result.TrySetException(e); }
    }

    public override bool TryCancel(CancellationToken token) => _result.TrySetCanceled(token);
    public override void Fail(Exception error) => _result.TrySetException(error);
}

/// <summary>The non-generic face of <see cref="SoloWork{T}"/>.</summary>
internal interface ISoloWork
{
    void Run();
}
