namespace Sharpformer.Kernels;

/// <summary>
/// The one place where kernels go parallel. <see cref="For"/> splits [0, count) over the
/// configured number of threads; a call made from inside a worker runs inline (no nesting).
/// </summary>
public static class ComputePool
{
    private static int _threads = Environment.ProcessorCount;

    /// <summary>Number of threads kernels may use (≥ 1). Fixed thread count + fixed seed = deterministic results.</summary>
    public static int Threads
    {
        get => _threads;
        set => _threads = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), "Threads must be at least 1.");
    }

    [ThreadStatic] private static bool _insideWorker;

    /// <summary>Runs body(i) for i in [0, count), spread over <see cref="Threads"/> threads.</summary>
    public static void For(int count, Action<int> body)
    {
        if (count <= 0) return;
        if (count == 1 || _threads == 1 || _insideWorker)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = _threads }, i =>
        {
            bool outer = _insideWorker;
            _insideWorker = true;
            try { body(i); } finally { _insideWorker = outer; }
        });
    }
}
