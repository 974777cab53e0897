namespace Sharpformer.Inference;

/// <summary>
/// The attention weights of one decoding step for one row: <see cref="Self"/>[layer][head][key] over the
/// target positions fed so far (the current one included) and <see cref="Cross"/>[layer][head][key] over
/// the source positions (padding keys get weight 0). Each head's weights sum to 1.
/// </summary>
public sealed record AttentionStep(float[][][] Self, float[][][] Cross);
