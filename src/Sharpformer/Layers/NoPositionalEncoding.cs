namespace Sharpformer.Layers;

/// <summary>
/// No positional encoding: for models that know the order of their inputs from how they read them
/// (a recurrent network walks the positions one after another), so <see cref="Embedding"/> adds nothing.
/// </summary>
public sealed class NoPositionalEncoding : IPositionalEncoding
{
    public static NoPositionalEncoding Instance { get; } = new();

    private NoPositionalEncoding() { }

    public void AddTo(Span<float> x, int batch, int time, int offset = 0) { }

    public void Backward(ReadOnlySpan<float> dx, int batch, int time) { }

    public IEnumerable<Parameter> Parameters() => [];
}
