namespace Sharpformer.Text;

/// <summary>Knobs of <see cref="SubwordTokenizer.Train"/>; the defaults follow SentencePiece's.</summary>
public sealed record SubwordTrainingOptions
{
    /// <summary>The defaults.</summary>
    public static SubwordTrainingOptions Default { get; } = new();

    /// <summary>
    /// Share of character occurrences the base alphabet must cover (SentencePiece's
    /// <c>character_coverage</c>). The rarest characters beyond it get no piece of their own and are
    /// written as UTF-8 byte pieces, like unseen characters. 1.0 keeps every character seen.
    /// </summary>
    public double CharacterCoverage { get; init; } = 0.9995;

    /// <summary>Longest piece, in Unicode code points (SentencePiece's <c>max_sentencepiece_length</c>).</summary>
    public int MaxPieceLength { get; init; } = 16;

    /// <summary>A pair seen fewer times than this is never merged, so a small corpus may give a smaller vocabulary than asked for.</summary>
    public int MinPairFrequency { get; init; } = 2;
}
