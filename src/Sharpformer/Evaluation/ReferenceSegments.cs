namespace Sharpformer.Evaluation;

/// <summary>
/// Regroups reference streams (one list of lines per reference translation) into the
/// references of each segment, the way sacreBLEU does: an empty or null reference is left
/// out, so a segment may have fewer references than there are streams.
/// </summary>
internal static class ReferenceSegments
{
    /// <summary>Marks a varying number of references per segment (sacreBLEU prints "var").</summary>
    public const int Variable = -1;

    /// <param name="hypotheses">The system output, one line per segment.</param>
    /// <param name="referenceStreams">Each stream has exactly one line per hypothesis.</param>
    /// <param name="referenceCount">References per segment, or <see cref="Variable"/>.</param>
    public static List<string>[] Group(IReadOnlyList<string> hypotheses,
        IReadOnlyList<IReadOnlyList<string>> referenceStreams, out int referenceCount)
    {
        ArgumentNullException.ThrowIfNull(hypotheses);
        ArgumentNullException.ThrowIfNull(referenceStreams);
        if (referenceStreams.Count == 0)
            throw new ArgumentException("At least one reference stream is needed.", nameof(referenceStreams));
        for (int s = 0; s < referenceStreams.Count; s++)
        {
            if (referenceStreams[s] is null)
                throw new ArgumentException($"Reference stream {s} is null.", nameof(referenceStreams));
            if (referenceStreams[s].Count != hypotheses.Count)
                throw new ArgumentException(
                    $"Reference stream {s} has {referenceStreams[s].Count} lines but there are {hypotheses.Count} hypotheses.",
                    nameof(referenceStreams));
        }

        var segments = new List<string>[hypotheses.Count];
        var counts = new HashSet<int>();
        for (int i = 0; i < segments.Length; i++)
        {
            if (hypotheses[i] is null) throw new ArgumentException($"Hypothesis {i} is null.", nameof(hypotheses));
            var refs = new List<string>(referenceStreams.Count);
            foreach (IReadOnlyList<string> stream in referenceStreams)
                if (!string.IsNullOrEmpty(stream[i])) refs.Add(stream[i]);
            if (refs.Count == 0)
                throw new ArgumentException($"Segment {i} has no non-empty reference.", nameof(referenceStreams));
            counts.Add(refs.Count);
            segments[i] = refs;
        }
        // An empty corpus has nothing to vary; report the number of streams.
        referenceCount = counts.Count switch { 0 => referenceStreams.Count, 1 => counts.First(), _ => Variable };
        return segments;
    }

    /// <summary>The signature's <c>nrefs</c> value.</summary>
    public static string Describe(int referenceCount) =>
        referenceCount == Variable ? "var" : referenceCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
