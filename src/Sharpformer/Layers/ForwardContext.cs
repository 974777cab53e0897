namespace Sharpformer.Layers;

/// <summary>
/// What a forward pass needs besides its inputs: whether dropout is live, and the seed and step
/// from which every dropout mask is derived (so masks are reproducible and resumable).
/// </summary>
public sealed class ForwardContext
{
    /// <summary>Inference: no dropout.</summary>
    public static ForwardContext Eval { get; } = new() { Training = false };

    public bool Training { get; init; }
    public ulong Seed { get; init; }

    /// <summary>The optimizer step this forward pass belongs to; set by the trainer before each step.</summary>
    public long Step { get; set; }
}
