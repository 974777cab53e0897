using Sharpformer.Model;

namespace Sharpformer.Inference;

/// <summary>The set-up every search shares: length limits, one encoder pass, a decoder over the rows that may generate.</summary>
internal static class DecodeStart
{
    /// <summary>
    /// Encodes sources [B, S] and starts a decoder holding, in order, the rows whose limit is positive
    /// (<paramref name="live"/> maps decoder row → batch row); null when no row may generate anything.
    /// </summary>
    public static IDecoderState? Begin(ISeq2SeqModel model, ReadOnlySpan<int> source, int batch, int sourceLength, int[] limits, out int[] live)
    {
        live = Enumerable.Range(0, batch).Where(b => limits[b] > 0).ToArray();
        if (live.Length == 0) return null;
        var encoded = model.Encode(source, batch, sourceLength);
        var state = model.StartDecoder(encoded, copies: 1, maxSteps: limits.Max());
        if (live.Length < batch) state.Reorder(live);
        return state;
    }
}
