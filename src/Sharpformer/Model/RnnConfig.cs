using System.Text.Json.Serialization;
using Sharpformer.Layers.Recurrent;

namespace Sharpformer.Model;

/// <summary>Where an RNN decoder's context c_t comes from.</summary>
public enum RnnAttentionKind
{
    /// <summary>"rnn": the encoder's final state, one vector for the whole sentence (Sutskever et al. 2014, Cho et al. 2014).</summary>
    None,

    /// <summary>"rnn-attn-dot": score = h_tᵀ·s_j (Luong et al. 2015, global attention, dot score).</summary>
    Dot,

    /// <summary>"rnn-attn-additive": score = vᵀ·tanh(W_q h_t + W_k s_j) over a bidirectional encoder (Bahdanau et al. 2015).</summary>
    Additive,
}

/// <summary>
/// Every size and option of an RNN encoder–decoder. The architecture name ("rnn", "rnn-attn-dot",
/// "rnn-attn-additive") decides <see cref="Attention"/> and is stored beside the config, never in it, so
/// the two cannot disagree. The defaults are the sizes of the Multi30k presets (PyTorch seq2seq tutorial
/// scale: embeddings 256, hidden 512, one layer, GRU).
/// </summary>
public sealed record RnnConfig : ModelConfig
{
    public const string PlainName = "rnn", DotName = "rnn-attn-dot", AdditiveName = "rnn-attn-additive";

    /// <summary>The three RNN architectures.</summary>
    public static IReadOnlyList<string> ArchitectureNames { get; } = [PlainName, DotName, AdditiveName];

    /// <summary>The default config of an RNN architecture.</summary>
    public static RnnConfig For(string architecture) => new() { Attention = AttentionOf(architecture) };

    /// <summary>The attention an RNN architecture name stands for.</summary>
    public static RnnAttentionKind AttentionOf(string architecture) => architecture switch
    {
        PlainName => RnnAttentionKind.None,
        DotName => RnnAttentionKind.Dot,
        AdditiveName => RnnAttentionKind.Additive,
        _ => throw UnknownArchitecture(architecture),
    };

    public int VocabSize { get; init; } = 8000;

    /// <summary>The recurrence of every layer: GRU, LSTM or the plain tanh RNN.</summary>
    public RecurrentCellKind Cell { get; init; } = RecurrentCellKind.Gru;

    /// <summary>E: width of the shared token embedding and of the attentional hidden state h̃ (the output projection is tied to the embedding).</summary>
    public int EmbeddingSize { get; init; } = 256;

    /// <summary>H: the hidden size of every recurrent layer (per direction in a bidirectional encoder).</summary>
    public int HiddenSize { get; init; } = 512;

    /// <summary>Recurrent layers of the encoder and of the decoder (the decoder starts from the encoder's final state of each layer).</summary>
    public int Layers { get; init; } = 1;

    /// <summary>A bidirectional encoder (null: the architecture's own choice, bidirectional for rnn-attn-additive only).</summary>
    public bool? Bidirectional { get; init; }

    /// <summary>A: width of the additive attention's hidden layer (null: H). Unused by the other architectures.</summary>
    public int? AttentionSize { get; init; }

    /// <summary>Dropout on the embeddings, between stacked recurrent layers and on h̃ before the output projection.</summary>
    public float Dropout { get; init; } = 0.3f;

    public int PadId { get; init; }
    public int BosId { get; init; } = 1;
    public int EosId { get; init; } = 2;

    /// <summary>Where the decoder's context comes from; set by the architecture name, not stored (default: additive).</summary>
    [JsonIgnore]
    public RnnAttentionKind Attention { get; init; } = RnnAttentionKind.Additive;

    [JsonIgnore]
    public override string Architecture => Attention switch
    {
        RnnAttentionKind.None => PlainName,
        RnnAttentionKind.Dot => DotName,
        _ => AdditiveName,
    };

    [JsonIgnore]
    public override TokenSpec Tokens => new(VocabSize, PadId, BosId, EosId);

    /// <summary>The hidden size H: Noam's rate d^−½·… with d = H.</summary>
    [JsonIgnore]
    public override int ScheduleWidth => HiddenSize;

    /// <summary>Whether the encoder reads the source both ways (derived from <see cref="Bidirectional"/> and the architecture).</summary>
    [JsonIgnore]
    public bool EncoderBidirectional => Bidirectional ?? Attention == RnnAttentionKind.Additive;

    /// <summary>Width of an encoder state s_j: H, or 2H when bidirectional (both directions side by side).</summary>
    [JsonIgnore]
    public int MemoryWidth => (EncoderBidirectional ? 2 : 1) * HiddenSize;

    /// <summary>A: the additive attention's width.</summary>
    [JsonIgnore]
    public int AdditiveWidth => AttentionSize ?? HiddenSize;

    public override RnnConfig WithTokens(TokenSpec tokens) =>
        this with { VocabSize = tokens.VocabSize, PadId = tokens.PadId, BosId = tokens.BosId, EosId = tokens.EosId };

    public override RnnSeq2Seq CreateModel() => new(this);

    /// <summary>Throws <see cref="UserInputException"/> naming the first inconsistent field.</summary>
    public override RnnConfig Validate()
    {
        foreach (var (_, problem) in Problems()) throw new UserInputException("model config: " + problem);
        return this;
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Field, string Problem)> Problems()
    {
        if (VocabSize <= 0) yield return (nameof(VocabSize), $"vocab size must be positive, got {VocabSize}");
        if (!Enum.IsDefined(Cell)) yield return (nameof(Cell), $"unknown recurrent cell {Cell}");
        if (EmbeddingSize <= 0) yield return (nameof(EmbeddingSize), $"embedding size must be positive, got {EmbeddingSize}");
        if (HiddenSize <= 0) yield return (nameof(HiddenSize), $"hidden size must be positive, got {HiddenSize}");
        if (Layers < 1) yield return (nameof(Layers), $"layers must be ≥ 1, got {Layers}");
        if (AttentionSize is <= 0) yield return (nameof(AttentionSize), $"attention size must be positive, got {AttentionSize}");
        // the dot score hᵀs needs keys as wide as the decoder state; a bidirectional encoder's are twice as wide
        if (Attention == RnnAttentionKind.Dot && EncoderBidirectional)
            yield return (nameof(Bidirectional), $"{DotName} scores h_tᵀ·s_j, so its encoder cannot be bidirectional "
                + $"(its states would be {2L * HiddenSize} wide, the decoder's {HiddenSize}); use {AdditiveName}");
        if (!(Dropout >= 0 && Dropout < 1)) yield return (nameof(Dropout), $"dropout must be in [0, 1), got {Dropout}");
        foreach (var (field, name, id) in new[] { (nameof(PadId), "pad", PadId), (nameof(BosId), "bos", BosId), (nameof(EosId), "eos", EosId) })
            if (id < 0 || id >= VocabSize) yield return (field, $"{name} id {id} is outside the vocabulary of {VocabSize}");
    }

    /// <inheritdoc/>
    public override RnnSize Size() => new(this);
}
