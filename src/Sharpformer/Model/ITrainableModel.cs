using Sharpformer.Layers;
using Sharpformer.Tensors;

namespace Sharpformer.Model;

/// <summary>
/// What the trainer, checkpoints, averaging, validation and model files need from an architecture on top
/// of the decoding contract: its config, its weights by name, initial weights, and a training network.
/// Every architecture trains through the same <see cref="Training.Trainer"/> this way.
/// </summary>
public interface ITrainableModel : ISeq2SeqModel
{
    /// <summary>The architecture's config (sizes, options, vocabulary); it names the architecture.</summary>
    ModelConfig Config { get; }

    /// <summary>Every parameter by its name (the names in model files and checkpoints).</summary>
    IReadOnlyDictionary<string, Parameter> ParameterByName { get; }

    /// <summary>Draws the initial weights; deterministic for a seed.</summary>
    void Initialize(int seed);

    /// <summary>A network over these weights with activation buffers of its own: what training and scoring run through.</summary>
    ITrainingNetwork CreateWorkspace();

    /// <summary>Drops the networks kept for reuse between decoding calls (their buffers go to the garbage collector).</summary>
    void ReleaseWorkspaces();
}

/// <summary>
/// A training workspace: the whole model as layers over shared weights, holding the activations of its
/// last forward pass. Used by one thread at a time; a step of a seen shape allocates nothing.
/// </summary>
public interface ITrainingNetwork
{
    /// <summary>The weights this network runs on, in checkpoint order (shared with its model).</summary>
    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The whole model with teacher forcing: (src [B, S], tgt_in [B, T]) → logits [B, T, V], a buffer of this network.</summary>
    Tensor Forward(ReadOnlySpan<int> source, ReadOnlySpan<int> targetIn, int batch, int sourceLength, int targetLength, ForwardContext ctx);

    /// <summary>dLogits [B, T, V] → accumulates the gradient of every parameter (may overwrite dLogits).</summary>
    void Backward(Tensor dLogits);

    /// <summary>Sets every parameter's gradient to zero.</summary>
    void ZeroGrad();
}
