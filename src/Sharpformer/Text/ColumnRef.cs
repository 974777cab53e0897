namespace Sharpformer.Text;

/// <summary>
/// Chooses one column of a CSV/TSV file, either by 0-based index or by its header name.
/// Converts implicitly from <see cref="int"/> and <see cref="string"/>, so callers can write
/// <c>ReadDelimited(path, "Q", "A")</c> or <c>ReadDelimited(path, 1, 0)</c>.
/// </summary>
public readonly record struct ColumnRef
{
    private ColumnRef(int index, string? name) { Index = index; Name = name; }

    /// <summary>The 0-based column index, or -1 when the column is chosen by name.</summary>
    public int Index { get; }

    /// <summary>The header name, or null when the column is chosen by index.</summary>
    public string? Name { get; }

    /// <summary>True when the column is chosen by header name.</summary>
    public bool IsByName => Name is not null;

    /// <summary>The column at a 0-based index.</summary>
    public static ColumnRef At(int index) =>
        index >= 0 ? new ColumnRef(index, null) : throw new ArgumentOutOfRangeException(nameof(index), "A column index is 0-based and cannot be negative.");

    /// <summary>The column whose header cell equals <paramref name="name"/> (ordinal, case-sensitive).</summary>
    public static ColumnRef Named(string name) =>
        !string.IsNullOrEmpty(name) ? new ColumnRef(-1, name) : throw new ArgumentException("A column name cannot be empty.", nameof(name));

    /// <summary>A column from text: digits are a 0-based index, anything else a header name.</summary>
    public static ColumnRef Parse(string text) =>
        text.Length > 0 && text.All(char.IsAsciiDigit) && int.TryParse(text, out int index) ? At(index) : Named(text);

    public static implicit operator ColumnRef(int index) => At(index);

    public static implicit operator ColumnRef(string name) => Named(name);

    /// <summary>How the column is named in messages: <c>"Q"</c> or <c>index 2</c>.</summary>
    public override string ToString() => Name is not null ? $"\"{Name}\"" : $"index {Index}";
}
