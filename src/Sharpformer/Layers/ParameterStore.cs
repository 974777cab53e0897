namespace Sharpformer.Layers;

/// <summary>
/// Where layers get their parameters. A model's weights are made once by a creating store; every
/// workspace or decoder state that runs the model builds its own layers (with their own activation
/// buffers) from a binding store over those same weights, so many callers share one set of weights
/// and each owns its state. Layers ask for parameters in a fixed order, which is the checkpoint and
/// optimizer order.
/// </summary>
public sealed class ParameterStore
{
    private readonly IReadOnlyDictionary<string, Parameter>? _bound;
    private readonly List<Parameter> _parameters = [];

    private ParameterStore(IReadOnlyDictionary<string, Parameter>? bound) => _bound = bound;

    /// <summary>A store that makes new parameters (a new model).</summary>
    public static ParameterStore Creating() => new(null);

    /// <summary>A store that hands out the given parameters by name (another network over existing weights).</summary>
    public static ParameterStore Binding(IReadOnlyDictionary<string, Parameter> parameters) => new(parameters);

    /// <summary>True when parameters are new and may be initialised by the layer asking for them.</summary>
    public bool IsCreating => _bound == null;

    /// <summary>The parameters handed out so far, in the order they were asked for.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>
    /// The parameter <paramref name="name"/> of the given shape; a new one filled by
    /// <paramref name="initialize"/> (zeros when null) when creating, the existing one when binding.
    /// </summary>
    public Parameter Get(string name, ParameterRole role, int[] shape, Action<Parameter>? initialize = null)
    {
        Parameter p;
        if (_bound == null)
        {
            p = new Parameter(name, role, shape);
            initialize?.Invoke(p);
        }
        else
        {
            if (!_bound.TryGetValue(name, out p!)) throw new InvalidOperationException($"The weights have no parameter '{name}'.");
            if (p.Role != role || !p.Shape.SequenceEqual(shape))
                throw new InvalidOperationException($"Parameter '{name}' is {p.Role} [{string.Join(", ", p.Shape)}], the layer needs {role} [{string.Join(", ", shape)}].");
        }
        _parameters.Add(p);
        return p;
    }
}

/// <summary>
/// A named block of a packed parameter: W_Q, W_K and W_V are row blocks of PyTorch's
/// in_proj_weight [3d, d], so "the gradient of W_Q" is <c>WQ.Grad</c>, a view into the packed gradient.
/// </summary>
public readonly record struct ParameterBlock(Parameter Owner, string Name, int Offset, int Length)
{
    public Span<float> Value => Owner.Value.Span.Slice(Offset, Length);
    public Span<float> Grad => Owner.Grad.Span.Slice(Offset, Length);

    public override string ToString() => $"{Owner.Name}[{Name}]";
}
