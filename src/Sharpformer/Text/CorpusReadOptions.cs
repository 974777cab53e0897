namespace Sharpformer.Text;

/// <summary>How <see cref="ParallelCorpus"/> readers treat the files they read.</summary>
public sealed record CorpusReadOptions
{
    /// <summary>The defaults: empty lines are errors, header and format are decided from the columns and file name.</summary>
    public static CorpusReadOptions Default { get; } = new();

    /// <summary>
    /// When false (the default) an empty or whitespace-only sentence is an error naming the file and line.
    /// When true the whole pair is dropped (both sides, so the files stay aligned) and counted in
    /// <see cref="ParallelCorpus.SkippedEmpty"/>.
    /// </summary>
    public bool SkipEmptyLines { get; init; }

    /// <summary>
    /// Pair files only: whether the first row is a header. Null means "yes exactly when a column is
    /// chosen by name".
    /// </summary>
    public bool? HasHeader { get; init; }

    /// <summary>Pair files only: CSV or TSV. Null means CSV for a <c>.csv</c> file name and TSV otherwise.</summary>
    public DelimitedFormat? Format { get; init; }
}
