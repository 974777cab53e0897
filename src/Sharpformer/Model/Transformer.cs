using Sharpformer.Layers;
using Sharpformer.Tensors;

namespace Sharpformer.Model;

/// <summary>
/// A Transformer's weights (parameter names follow PyTorch: embed.weight, transformer.encoder.layers.{i}.…,
/// so reference weights load by name) and its side of the sequence-to-sequence contract. It holds no
/// activations: training runs a <see cref="TransformerNetwork"/> from <see cref="CreateWorkspace"/>, and
/// every <see cref="Encode"/> or decoder uses a network of its own, so one model serves many threads.
/// </summary>
public sealed class Transformer : ITrainableModel
{
    public const string ArchitectureName = "transformer";

    private readonly WorkspacePool<TransformerNetwork> _spare;

    public Transformer(TransformerConfig config)
    {
        Config = config.Validate();
        var store = ParameterStore.Creating();
        _spare = new WorkspacePool<TransformerNetwork>(CreateWorkspace);
        _spare.Return(new TransformerNetwork(Config, store));
        Parameters = store.Parameters.ToArray();
        ParameterByName = Parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
        Embed = ParameterByName["embed.weight"];
        Tokens = new TokenSpec(Config.VocabSize, Config.PadId, Config.BosId, Config.EosId);
    }

    public TransformerConfig Config { get; }
    ModelConfig ITrainableModel.Config => Config;
    public string Architecture => ArchitectureName;
    public TokenSpec Tokens { get; }
    public bool HasAttention => true;
    public int MaxTargetPositions => Config.Positions == PositionEncodingKind.Learned ? Config.MaxPositions : int.MaxValue;

    /// <summary>The shared embedding E [V, d] (source, target and the output projection).</summary>
    public Parameter Embed { get; }

    /// <summary>Every learned tensor, in a fixed order (the checkpoint and optimizer order).</summary>
    public IReadOnlyList<Parameter> Parameters { get; }
    public IReadOnlyDictionary<string, Parameter> ParameterByName { get; }
    public long ParameterCount => Parameters.Sum(p => (long)p.Length);

    /// <summary>A network over these weights with activation buffers of its own (training, scoring, inspection).</summary>
    public TransformerNetwork CreateWorkspace() => new(Config, ParameterStore.Binding(ParameterByName));
    ITrainingNetwork ITrainableModel.CreateWorkspace() => CreateWorkspace();

    /// <summary>Initial weights as <see cref="Initialization.Initialize"/> draws them.</summary>
    public void Initialize(int seed) => Initialization.Initialize(this, seed);

    public void ZeroGrad()
    {
        foreach (var p in Parameters) p.Grad.Clear();
    }

    /// <summary>src [B, S] → the encoder memory [B, S, d], a tensor of the caller's.</summary>
    public EncodedSource Encode(ReadOnlySpan<int> source, int batch, int sourceLength, bool withAttention = false)
    {
        var network = Rent();
        try
        {
            var memory = network.Encode(source, batch, sourceLength, ForwardContext.Eval);             // [B, S, d]
            IReadOnlyList<Tensor> attention = withAttention
                ? network.Encoder.Layers.Select(l => l.SelfAttention.Weights.Clone()).ToArray()          // [B, h, S, S] per layer
                : [];
            return new TransformerMemory(source, batch, sourceLength, memory.Clone(), attention);
        }
        finally { Return(network); }
    }

    public IDecoderState StartDecoder(EncodedSource encoded, int copies, int maxSteps, bool withAttention = false)
    {
        if (encoded is not TransformerMemory memory) throw new ArgumentException($"A Transformer decodes what its own Encode returned, not {encoded.GetType().Name}.");
        return new TransformerDecoderState(this, memory, copies, maxSteps, withAttention);
    }

    /// <summary>Drops the networks kept for reuse between calls (their buffers go to the garbage collector).</summary>
    public void ReleaseWorkspaces() => _spare.Clear();

    internal TransformerNetwork Rent() => _spare.Rent();

    internal void Return(TransformerNetwork network) => _spare.Return(network);
}

/// <summary>The Transformer's encoded sources: the encoder memory [B, S, d].</summary>
public sealed class TransformerMemory : EncodedSource
{
    internal TransformerMemory(ReadOnlySpan<int> source, int batch, int sourceLength, Tensor memory, IReadOnlyList<Tensor> selfAttention)
        : base(source, batch, sourceLength)
    {
        Memory = memory;
        SelfAttention = selfAttention;
    }

    /// <summary>The encoder's output, [B, S, d].</summary>
    public Tensor Memory { get; }
}
