using Sharpformer.Layers;
using Sharpformer.Tensors;

namespace Sharpformer.Model;

/// <summary>
/// An RNN encoder–decoder's weights ("rnn", "rnn-attn-dot" or "rnn-attn-additive"; parameter names in PyTorch's
/// style: embed.weight, encoder.rnn.weight_ih_l0, …, attention.query.weight, combine.weight) and its side of the
/// sequence-to-sequence contract. It holds no activations: training runs an <see cref="RnnNetwork"/> from
/// <see cref="CreateWorkspace"/>, and every <see cref="Encode"/> or decoder uses a network of its own, so one model
/// serves many threads.
/// </summary>
public sealed class RnnSeq2Seq : ITrainableModel
{
    private readonly WorkspacePool<RnnNetwork> _spare;

    public RnnSeq2Seq(RnnConfig config)
    {
        Config = config.Validate();
        var store = ParameterStore.Creating();
        var network = new RnnNetwork(Config, store);
        _spare = new WorkspacePool<RnnNetwork>(CreateWorkspace);
        _spare.Return(network);
        Parameters = store.Parameters.ToArray();
        ParameterByName = Parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
        RecurrentParameters = network.Encoder.Parameters().Concat(network.Decoder.Parameters()).ToHashSet();
        Tokens = Config.Tokens;
    }

    public RnnConfig Config { get; }
    ModelConfig ITrainableModel.Config => Config;
    public string Architecture => Config.Architecture;
    public TokenSpec Tokens { get; }
    public int MaxTargetPositions => int.MaxValue;

    /// <summary>False for the plain encoder-decoder: its decoder reads one fixed summary of the source.</summary>
    public bool HasAttention => Config.Attention != RnnAttentionKind.None;

    /// <summary>Every learned tensor, in a fixed order (the checkpoint and optimizer order).</summary>
    public IReadOnlyList<Parameter> Parameters { get; }
    public IReadOnlyDictionary<string, Parameter> ParameterByName { get; }

    /// <summary>The weights and biases of the encoder's and the decoder's recurrent layers.</summary>
    internal IReadOnlySet<Parameter> RecurrentParameters { get; }

    /// <summary>A network over these weights with activation buffers of its own (training, scoring, inspection).</summary>
    public RnnNetwork CreateWorkspace() => new(Config, ParameterStore.Binding(ParameterByName));
    ITrainingNetwork ITrainableModel.CreateWorkspace() => CreateWorkspace();

    /// <summary>Initial weights as <see cref="Initialization.Initialize(RnnSeq2Seq, int)"/> draws them.</summary>
    public void Initialize(int seed) => Initialization.Initialize(this, seed);

    /// <summary>
    /// src [B, S] → the encoder states [B, S, M], the decoder's initial states, rnn's context vector and the additive
    /// attention's projected keys, all tensors of the caller's. There is no encoder self-attention to keep.
    /// </summary>
    public EncodedSource Encode(ReadOnlySpan<int> source, int batch, int sourceLength, bool withAttention = false)
    {
        var network = Rent();
        try
        {
            var memory = network.Encode(source, batch, sourceLength, ForwardContext.Eval);        // [B, S, M]
            Tensor? keys = null;
            if (network.AdditiveAttention is { } additive)
            {
                keys = new Tensor(batch, sourceLength, additive.AttentionDim);                   // [B, S, A] = s·W_kᵀ
                additive.ProjectKeys(memory.Span, batch * sourceLength, keys.Span);
            }
            return new RnnEncodedSource(source, batch, sourceLength, memory.Clone(), network.InitialHidden.Clone(), network.InitialCell?.Clone(),
                Config.Attention == RnnAttentionKind.None ? network.ContextVector.Clone() : null, keys);
        }
        finally { Return(network); }
    }

    public IDecoderState StartDecoder(EncodedSource encoded, int copies, int maxSteps, bool withAttention = false)
    {
        if (encoded is not RnnEncodedSource states) throw new ArgumentException($"An RNN decodes what its own Encode returned, not {encoded.GetType().Name}.");
        return new RnnDecoderState(this, states, copies, maxSteps, withAttention);
    }

    /// <summary>Drops the networks kept for reuse between calls (their buffers go to the garbage collector).</summary>
    public void ReleaseWorkspaces() => _spare.Clear();

    internal RnnNetwork Rent() => _spare.Rent();

    internal void Return(RnnNetwork network) => _spare.Return(network);
}

/// <summary>What an RNN decoder reads of its sources: the encoder states and the states it starts from.</summary>
public sealed class RnnEncodedSource : EncodedSource
{
    internal RnnEncodedSource(ReadOnlySpan<int> source, int batch, int sourceLength, Tensor memory, Tensor initialHidden, Tensor? initialCell,
        Tensor? context, Tensor? keys) : base(source, batch, sourceLength)
    {
        (Memory, InitialHidden, InitialCell, Context, Keys) = (memory, initialHidden, initialCell, context, keys);
    }

    /// <summary>The encoder states s [B, S, M] (zero at padding): keys and values of the attention.</summary>
    public Tensor Memory { get; }

    /// <summary>The decoder's initial states h0 [layers, B, H] (the encoder's final states, through the bridge when bidirectional).</summary>
    public Tensor InitialHidden { get; }

    /// <summary>The decoder's initial cell states c0 [layers, B, H] (LSTM; else null).</summary>
    public Tensor? InitialCell { get; }

    /// <summary>rnn's context vector c [B, M] (null for the attentional architectures).</summary>
    public Tensor? Context { get; }

    /// <summary>The additive attention's keys W_k s [B, S, A], projected once per sentence (null otherwise).</summary>
    public Tensor? Keys { get; }
}
