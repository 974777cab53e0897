namespace Sharpformer.Text;

/// <summary>The two table formats a pair file can have.</summary>
public enum DelimitedFormat
{
    /// <summary>Comma-separated, with RFC 4180 double-quote quoting (fields may hold commas, quotes and line breaks).</summary>
    Csv,

    /// <summary>Tab-separated, no quoting: a double quote is an ordinary character (Tatoeba/manythings files rely on this).</summary>
    Tsv,
}
