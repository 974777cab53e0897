using Sharpformer.Tensors;

namespace Sharpformer.Model;

/// <summary>
/// What every sequence-to-sequence architecture offers the searches, the translator, attention maps
/// and the apps: encode a batch of sources once, then decode it step by step. The model holds only
/// weights and may be shared by any number of threads; everything a call computes lives in the
/// <see cref="EncodedSource"/> and <see cref="IDecoderState"/> it returns, which belong to the caller.
/// </summary>
public interface ISeq2SeqModel
{
    /// <summary>The architecture's name as stored in model files (e.g. "transformer").</summary>
    string Architecture { get; }

    /// <summary>Vocabulary size and special ids.</summary>
    TokenSpec Tokens { get; }

    /// <summary>Every learned tensor, in checkpoint order (for saving, averaging, inspecting).</summary>
    IReadOnlyList<Layers.Parameter> Parameters { get; }

    /// <summary>Whether the model attends at all, i.e. whether it has attention maps to show.</summary>
    bool HasAttention { get; }

    /// <summary>Most target positions a decoder can hold (a learned position table), or int.MaxValue.</summary>
    int MaxTargetPositions { get; }

    /// <summary>
    /// Encodes sources [B, S] (right-padded with the pad id). With <paramref name="withAttention"/>,
    /// the result also keeps the encoder's self-attention weights (architectures without any keep none).
    /// </summary>
    EncodedSource Encode(ReadOnlySpan<int> source, int batch, int sourceLength, bool withAttention = false);

    /// <summary>
    /// A decoder over <paramref name="encoded"/> with every source row repeated <paramref name="copies"/>
    /// times (beams), able to take <paramref name="maxSteps"/> steps. With <paramref name="withAttention"/>,
    /// each step keeps its attention weights (<see cref="IDecoderState.LastAttention"/>).
    /// </summary>
    IDecoderState StartDecoder(EncodedSource encoded, int copies, int maxSteps, bool withAttention = false);
}

/// <summary>The vocabulary size and the special ids a model was trained with.</summary>
public sealed record TokenSpec(int VocabSize, int PadId, int BosId, int EosId);

/// <summary>
/// An encoded batch of sources: its ids (for padding masks) and whatever the architecture's decoder
/// reads (the Transformer's memory, an RNN's states). Owned by the caller; decoders only read it.
/// </summary>
public abstract class EncodedSource
{
    protected EncodedSource(ReadOnlySpan<int> sourceIds, int batch, int sourceLength)
    {
        if (batch < 0 || sourceLength < 0 || sourceIds.Length != batch * sourceLength)
            throw new ArgumentException($"Sources hold {sourceIds.Length} ids, expected {batch}×{sourceLength}.");
        SourceIds = sourceIds.ToArray();
        Batch = batch;
        SourceLength = sourceLength;
    }

    /// <summary>The padded source ids [B, S].</summary>
    public int[] SourceIds { get; }
    public int Batch { get; }
    public int SourceLength { get; }

    /// <summary>Encoder self-attention per layer, [B, h, S, S] each (empty unless asked for, or none in the architecture).</summary>
    public IReadOnlyList<Tensor> SelfAttention { get; protected init; } = [];
}

/// <summary>
/// A decode in progress: rows (sentences × beams) that each take one token per step. Reorder keeps a
/// subset of rows in a new order (beam selection, finished rows leaving), so later steps pay only for live rows.
/// </summary>
public interface IDecoderState : IDisposable
{
    /// <summary>Rows being decoded.</summary>
    int Rows { get; }

    /// <summary>Tokens fed so far.</summary>
    int Position { get; }

    /// <summary>
    /// Feeds one token per row (BOS first, then each row's previous output) and returns the next-token
    /// log-probabilities [Rows, V]. The buffer belongs to the state and is valid until the next call;
    /// a search may modify it in place.
    /// </summary>
    Span<float> Step(ReadOnlySpan<int> tokens);

    /// <summary>Keeps rows <paramref name="parents"/> in that order (row r becomes old row parents[r]).</summary>
    void Reorder(ReadOnlySpan<int> parents);

    /// <summary>The attention weights of the last step, when the decoder was started with attention; else null.</summary>
    StepAttention? LastAttention { get; }
}

/// <summary>
/// The attention weights of one decoding step for every row: per layer, [rows, heads, keys]. Self holds
/// the decoder's self-attention over positions 0..t (empty for architectures without it), Cross the
/// attention over the source positions.
/// </summary>
public sealed record StepAttention(IReadOnlyList<Tensor> Self, IReadOnlyList<Tensor> Cross);
