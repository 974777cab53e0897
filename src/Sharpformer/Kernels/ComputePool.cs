using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Sharpformer.Kernels;

/// <summary>
/// The one place where kernels go parallel: a persistent set of worker threads that the calling
/// thread joins for each loop. Indices are claimed one at a time from a shared counter, so a
/// busy core simply takes fewer of them; which thread runs an index never changes what it computes,
/// so results depend only on the work split the caller chooses (e.g. from <see cref="Threads"/>).
/// A call made from inside a loop body runs inline, as does a call made while another thread is
/// already using the pool.
/// </summary>
public static unsafe class ComputePool
{
    private static int _threads = Environment.ProcessorCount;

    /// <summary>Number of threads kernels may use (≥ 1). Fixed thread count + fixed seed = deterministic results.</summary>
    public static int Threads
    {
        get => _threads;
        set => _threads = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), "Threads must be at least 1.");
    }

    /// <summary>True on a pool worker, and on any thread while it runs a loop body; nested loops then run inline.</summary>
    public static bool IsInsideLoop => _insideLoop;

    /// <summary>Runs body(i) for i in [0, count), spread over <see cref="Threads"/> threads.</summary>
    public static void For(int count, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var task = new DelegateTask(body);
        For(count, ref task);
    }

    /// <summary>
    /// Runs task.Run(i) for i in [0, count) without allocating. Every index runs exactly once; the
    /// first exception thrown by any index is rethrown here after the loop has stopped.
    /// </summary>
    public static void For<TTask>(int count, ref TTask task) where TTask : struct, IComputeTask
    {
        if (count <= 0) return;
        int threads = Math.Min(_threads, count);
        if (threads == 1 || _insideLoop || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            RunInline(count, ref task);
            return;
        }
        try
        {
            EnsureWorkers(threads - 1);
#pragma warning disable CS8500 // the task is pinned and the caller waits, so workers may reach it by address
            fixed (TTask* state = &task)
                Dispatch(count, threads - 1, state, &Invoke<TTask>);
#pragma warning restore CS8500
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    private static void RunInline<TTask>(int count, ref TTask task) where TTask : struct, IComputeTask
    {
        bool outer = _insideLoop;
        _insideLoop = true;
        try { for (int i = 0; i < count; i++) task.Run(i); }
        finally { _insideLoop = outer; }
    }

    private static void Invoke<TTask>(void* state, int index) where TTask : struct, IComputeTask
        => Unsafe.AsRef<TTask>(state).Run(index);

    private readonly struct DelegateTask(Action<int> body) : IComputeTask
    {
        public void Run(int index) => body(index);
    }

    // ---- the shared loop descriptor (one loop at a time, guarded by _busy) ----

    [ThreadStatic] private static bool _insideLoop;
    private static int _busy;

    private static void* _state;
    private static delegate*<void*, int, void> _body;
    private static int _count;
    private static int _helpers;      // how many workers may join this loop
    private static long _claim;       // (generation << 32) | next index: a stale worker cannot claim from a newer loop
    private static int _completed;    // indices finished (run or skipped after a failure)
    private static int _generation;   // bumped once per loop; workers wait for it to change
    private static ExceptionDispatchInfo? _failure;

    private static readonly object SleepLock = new();
    private static int _sleepers;
    private static readonly List<Thread> Workers = [];

    /// <summary>How long a worker keeps spinning for the next loop before it blocks (a training step issues loops back to back).</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 5000; // 200 µs

    /// <summary>
    /// How long a wait spins without giving up the core. Waits are usually this short (the tail of
    /// another thread's task, the gap between two loops); after it, waiting threads yield, so on a
    /// busy machine they do not starve the thread they wait for, but yielding earlier would hand the
    /// core to other processes at every barrier.
    /// </summary>
    private static readonly long PureSpinTicks = Stopwatch.Frequency / 20000; // 50 µs

    /// <summary>One step of a wait that began at <paramref name="start"/>: spin, or after <see cref="PureSpinTicks"/> yield.</summary>
    private static void WaitStep(long start)
    {
        if (Stopwatch.GetTimestamp() - start < PureSpinTicks) Thread.SpinWait(20);
        else Thread.Yield();
    }

    private static void Dispatch(int count, int helpers, void* state, delegate*<void*, int, void> body)
    {
        int generation = _generation + 1;
        // Retire the previous loop's claim word before touching any field it used: a worker still
        // leaving that loop may have read its last claim and be about to compare it with _count;
        // once the tag has changed its compare-exchange fails, so it can never run an index of the
        // new loop's body under the old loop's tag (which would run that index twice). Full fence,
        // so no field write below can be seen before it.
        Interlocked.Exchange(ref _claim, (long)generation << 32);
        _state = state;
        _body = body;
        _count = count;
        _helpers = helpers;
        _failure = null;
        _completed = 0;
        Interlocked.Exchange(ref _generation, generation); // full fence: publishes the fields above
        if (Volatile.Read(ref _sleepers) > 0)
            lock (SleepLock) Monitor.PulseAll(SleepLock);

        _insideLoop = true;
        try { Work(generation); }
        finally { _insideLoop = false; }

        long waitStart = Stopwatch.GetTimestamp();
        while (Volatile.Read(ref _completed) < count) WaitStep(waitStart);
        _failure?.Throw();
    }

    /// <summary>Claims and runs indices of loop <paramref name="generation"/> until none are left.</summary>
    private static void Work(int generation)
    {
        long tag = (long)generation << 32;
        while (true)
        {
            long claim = Volatile.Read(ref _claim);
            if ((claim & ~0xFFFFFFFFL) != tag) return;          // a newer loop has started: ours is finished
            int index = (int)claim;
            if (index >= _count) return;
            if (Interlocked.CompareExchange(ref _claim, claim + 1, claim) != claim) continue;
            if (_failure is null)
            {
                try { _body(_state, index); }
                catch (Exception e) { Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null); }
            }
            Interlocked.Increment(ref _completed);
        }
    }

    private static void EnsureWorkers(int count)
    {
        if (Volatile.Read(ref _workerCount) >= count) return;
        lock (Workers)
        {
            while (Workers.Count < count)
            {
                int id = Workers.Count;
                var thread = new Thread(() => WorkerLoop(id)) { IsBackground = true, Name = $"Sharpformer compute {id + 1}" };
                Workers.Add(thread);
                thread.Start();
            }
            Volatile.Write(ref _workerCount, Workers.Count);
        }
    }

    private static int _workerCount;

    private static void WorkerLoop(int id)
    {
        _insideLoop = true;
        int seen = Volatile.Read(ref _generation);
        while (true)
        {
            seen = WaitForLoop(seen);
            if (id < Volatile.Read(ref _helpers)) Work(seen);
        }
    }

    /// <summary>Spins briefly for a new loop, then blocks until one is dispatched; returns its generation.</summary>
    private static int WaitForLoop(int seen)
    {
        long start = Stopwatch.GetTimestamp();
        int generation;
        while ((generation = Volatile.Read(ref _generation)) == seen)
        {
            if (Stopwatch.GetTimestamp() - start < SpinTicks)
            {
                WaitStep(start);
                continue;
            }
            lock (SleepLock)
            {
                Interlocked.Increment(ref _sleepers); // full fence, paired with the one in Dispatch
                while (Volatile.Read(ref _generation) == seen) Monitor.Wait(SleepLock);
                Interlocked.Decrement(ref _sleepers);
            }
        }
        return generation;
    }
}
