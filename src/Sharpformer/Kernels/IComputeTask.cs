namespace Sharpformer.Kernels;

/// <summary>
/// One parallel loop body for <see cref="ComputePool.For{TTask}(int, ref TTask)"/>. Implemented by
/// structs so a dispatch neither allocates nor goes through a delegate: the pool calls
/// <see cref="Run"/> on the caller's own copy, which stays alive on its stack for the whole loop.
/// </summary>
public interface IComputeTask
{
    /// <summary>Executes iteration <paramref name="index"/>; may run on any pool thread, concurrently with other indices.</summary>
    void Run(int index);
}
