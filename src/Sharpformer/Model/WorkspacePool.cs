using System.Collections.Concurrent;

namespace Sharpformer.Model;

/// <summary>
/// Networks a model keeps for reuse between Encode calls and decoder states: a network is plain buffers, so handing
/// one back spares the next call its allocation. Any thread may rent; a rented network belongs to its renter alone.
/// </summary>
internal sealed class WorkspacePool<TNetwork>(Func<TNetwork> create) where TNetwork : class
{
    private readonly ConcurrentBag<TNetwork> _spare = [];

    /// <summary>A spare network, or a new one.</summary>
    public TNetwork Rent() => _spare.TryTake(out var network) ? network : create();

    /// <summary>Keeps <paramref name="network"/> for reuse (up to two per core; more go to the garbage collector).</summary>
    public void Return(TNetwork network)
    {
        if (_spare.Count < 2 * Environment.ProcessorCount) _spare.Add(network);
    }

    /// <summary>Drops every spare network.</summary>
    public void Clear() => _spare.Clear();
}
