using Sharpformer.Tensors;

namespace Sharpformer.Layers;

/// <summary>What a parameter is for; decides its initialisation.</summary>
public enum ParameterRole { Weight, Bias, NormGain, Embedding }

/// <summary>A learned tensor and the gradient accumulated into it by Backward passes.</summary>
public sealed class Parameter
{
    private Tensor? _grad;

    public Parameter(string name, ParameterRole role, params int[] shape)
    {
        Name = name;
        Role = role;
        Value = new Tensor(shape);
    }

    /// <summary>PyTorch state-dict style name, e.g. "transformer.encoder.layers.0.linear1.weight".</summary>
    public string Name { get; }
    public ParameterRole Role { get; }
    public Tensor Value { get; }

    /// <summary>The accumulated gradient, allocated on first use (a model that only translates never needs it).</summary>
    public Tensor Grad => _grad ??= new Tensor(Value.Shape.ToArray());

    public int Length => Value.Length;
    public IReadOnlyList<int> Shape => Value.Shape;

    public override string ToString() => $"{Name} [{string.Join(", ", Shape)}]";
}
