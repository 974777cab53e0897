using Sharpformer.Layers;
using Sharpformer.Model;

namespace Sharpformer.Tests.Layers;

/// <summary>Remembers which side of zero every ReLU input of a model was on, to tell when a perturbation crossed a kink.</summary>
internal sealed class ReluKinks
{
    private readonly Linear[] _firstLayers;
    private bool[][] _signs = [];

    public ReluKinks(TransformerNetwork model)
    {
        _firstLayers = model.Encoder.Layers.Select(l => l.FeedForward).Concat(model.Decoder.Layers.Select(l => l.FeedForward))
            .Where(f => f.ActivationKind == Activation.Relu).Select(f => f.Linear1).ToArray();
    }

    /// <summary>Records the sides after the forward pass just run.</summary>
    public void Capture() => _signs = _firstLayers.Select(l => Signs(l.Output)).ToArray();

    /// <summary>Whether the forward pass just run put any ReLU input on the other side.</summary>
    public bool Crossed()
    {
        for (int i = 0; i < _firstLayers.Length; i++)
            if (!Signs(_firstLayers[i].Output).AsSpan().SequenceEqual(_signs[i])) return true;
        return false;
    }

    private static bool[] Signs(Tensor t) => t.Span.ToArray().Select(v => v > 0).ToArray();
}
