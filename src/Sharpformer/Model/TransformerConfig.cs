using Sharpformer.Layers;

namespace Sharpformer.Model;

/// <summary>How positions are encoded.</summary>
public enum PositionEncodingKind { Sinusoidal, Learned }

/// <summary>
/// Every size and option of the model. The defaults are the paper's base model
/// (d_model 512, 8 heads, d_ff 2048, 6+6 layers, dropout 0.1, post-LN, shared embeddings).
/// </summary>
public sealed record TransformerConfig : ModelConfig
{
    public int VocabSize { get; init; } = 8000;
    public int DModel { get; init; } = 512;
    public int Heads { get; init; } = 8;
    public int DFf { get; init; } = 2048;
    public int EncoderLayers { get; init; } = 6;
    public int DecoderLayers { get; init; } = 6;
    public Activation Activation { get; init; } = Activation.Relu;

    /// <summary>False: post-LN as in the paper; true: pre-LN with final norms on both stacks.</summary>
    public bool NormFirst { get; init; }

    /// <summary>Dropout on embeddings and on every sublayer output before the residual add.</summary>
    public float Dropout { get; init; } = 0.1f;

    /// <summary>Dropout on attention weights (null: same as <see cref="Dropout"/>).</summary>
    public float? AttentionDropout { get; init; }

    /// <summary>Dropout after the feed-forward activation (null: same as <see cref="Dropout"/>).</summary>
    public float? ActivationDropout { get; init; }

    public PositionEncodingKind Positions { get; init; } = PositionEncodingKind.Sinusoidal;

    /// <summary>Table size for learned positions.</summary>
    public int MaxPositions { get; init; } = 512;

    public float NormEps { get; init; } = 1e-5f;
    public int PadId { get; init; }
    public int BosId { get; init; } = 1;
    public int EosId { get; init; } = 2;

    /// <summary>d_k = d_model / h: derived, so never stored (a file cannot contradict it).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int HeadDim => Heads > 0 ? DModel / Heads : 0;

    /// <inheritdoc/>
    [System.Text.Json.Serialization.JsonIgnore]
    public override string Architecture => Transformer.ArchitectureName;

    /// <inheritdoc/>
    [System.Text.Json.Serialization.JsonIgnore]
    public override TokenSpec Tokens => new(VocabSize, PadId, BosId, EosId);

    /// <summary>d_model: the paper's lr = d_model^−½ · min(step^−½, step · warmup^−1.5).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public override int ScheduleWidth => DModel;

    public override TransformerConfig WithTokens(TokenSpec tokens) =>
        this with { VocabSize = tokens.VocabSize, PadId = tokens.PadId, BosId = tokens.BosId, EosId = tokens.EosId };

    public override Transformer CreateModel() => new(this);

    /// <summary>Throws <see cref="UserInputException"/> naming the first inconsistent field.</summary>
    public override TransformerConfig Validate()
    {
        foreach (var (_, problem) in Problems()) throw new UserInputException("model config: " + problem);
        return this;
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Field, string Problem)> Problems()
    {
        if (VocabSize <= 0) yield return (nameof(VocabSize), $"vocab size must be positive, got {VocabSize}");
        if (DModel <= 0 || Heads <= 0 || DModel % Heads != 0)
            yield return (DModel <= 0 ? nameof(DModel) : nameof(Heads), $"d_model {DModel} must be a positive multiple of heads {Heads}");
        if (DFf <= 0) yield return (nameof(DFf), $"d_ff must be positive, got {DFf}");
        if (EncoderLayers < 0) yield return (nameof(EncoderLayers), $"encoder layers must be ≥ 0, got {EncoderLayers}");
        if (DecoderLayers < 1) yield return (nameof(DecoderLayers), $"decoder layers must be ≥ 1, got {DecoderLayers}");
        foreach (var (field, name, p) in new[] { (nameof(Dropout), "dropout", Dropout), (nameof(AttentionDropout), "attention dropout", AttentionDropout ?? 0),
                     (nameof(ActivationDropout), "activation dropout", ActivationDropout ?? 0) })
            if (!(p >= 0 && p < 1)) yield return (field, $"{name} must be in [0, 1), got {p}");
        if (!Enum.IsDefined(Activation)) yield return (nameof(Activation), $"unknown activation {Activation}");
        if (!Enum.IsDefined(Positions)) yield return (nameof(Positions), $"unknown position encoding {Positions}");
        foreach (var (field, name, id) in new[] { (nameof(PadId), "pad", PadId), (nameof(BosId), "bos", BosId), (nameof(EosId), "eos", EosId) })
            if (id < 0 || id >= VocabSize) yield return (field, $"{name} id {id} is outside the vocabulary of {VocabSize}");
        if (MaxPositions <= 0) yield return (nameof(MaxPositions), $"max positions must be positive, got {MaxPositions}");
        // ε = 0 would divide by zero on a constant row
        if (!(float.IsFinite(NormEps) && NormEps > 0)) yield return (nameof(NormEps), $"norm eps must be a positive number, got {NormEps}");
    }

    /// <inheritdoc/>
    public override TransformerSize Size() => new(this);

    internal LayerSettings LayerSettings() => new(DModel, Heads, DFf, Activation, NormFirst,
        Dropout, AttentionDropout ?? Dropout, ActivationDropout ?? Dropout, NormEps);
}
