namespace Sharpformer.Training;

/// <summary>
/// One training batch, padded to rectangles: source [B, S], decoder input [B, T] (BOS + target)
/// and decoder output [B, T] (target + EOS), the output shifted one position left of the input.
/// </summary>
public sealed class Seq2SeqBatch
{
    public Seq2SeqBatch(int[] source, int[] targetIn, int[] targetOut, int batch, int sourceLength, int targetLength, int padId)
    {
        if (source.Length != batch * sourceLength) throw new ArgumentException($"Source holds {source.Length} ids, expected {batch}×{sourceLength}.");
        if (targetIn.Length != batch * targetLength || targetOut.Length != batch * targetLength)
            throw new ArgumentException($"Targets must hold {batch}×{targetLength} ids.");
        (Source, TargetIn, TargetOut, Batch, SourceLength, TargetLength) = (source, targetIn, targetOut, batch, sourceLength, targetLength);
        TargetTokens = targetOut.Count(t => t != padId);
        SourceTokens = source.Count(t => t != padId);
    }

    public int[] Source { get; }
    public int[] TargetIn { get; }
    public int[] TargetOut { get; }
    public int Batch { get; }
    public int SourceLength { get; }
    public int TargetLength { get; }
    public int TargetTokens { get; }
    public int SourceTokens { get; }

    /// <summary>Pads id sequences into a batch: target rows become BOS+y (input) and y+EOS (output).</summary>
    public static Seq2SeqBatch FromSequences(IReadOnlyList<int[]> sources, IReadOnlyList<int[]> targets, int padId, int bosId, int eosId)
    {
        if (sources.Count != targets.Count) throw new ArgumentException("Sources and targets differ in count.");
        int b = sources.Count;
        int s = Math.Max(1, sources.Max(x => x.Length));
        int t = targets.Max(y => y.Length) + 1;
        var src = new int[b * s];
        var tin = new int[b * t];
        var tout = new int[b * t];
        Array.Fill(src, padId);
        Array.Fill(tin, padId);
        Array.Fill(tout, padId);
        for (int i = 0; i < b; i++)
        {
            sources[i].CopyTo(src, i * s);
            tin[i * t] = bosId;
            targets[i].CopyTo(tin, i * t + 1);
            targets[i].CopyTo(tout, i * t);
            tout[i * t + targets[i].Length] = eosId;
        }
        return new Seq2SeqBatch(src, tin, tout, b, s, t, padId);
    }
}
