namespace Sharpformer.Evaluation;

/// <summary>How BLEU cuts a detokenized sentence into the tokens whose n-grams it counts (sacreBLEU's <c>tokenize</c>).</summary>
public enum BleuTokenizer
{
    /// <summary><c>13a</c>, sacreBLEU's default: mteval-v13a's ASCII punctuation rules (<see cref="Tokenizer13a"/>).</summary>
    Mteval13a,

    /// <summary><c>intl</c>: mteval-v14's international rules, splitting on Unicode punctuation and symbols (<see cref="TokenizerIntl"/>).</summary>
    Intl,

    /// <summary><c>none</c>: the text is already tokenized; only whitespace separates tokens.</summary>
    None,
}

/// <summary>The names sacreBLEU gives the tokenizers (in signatures and on its command line), and applying them.</summary>
public static class BleuTokenizers
{
    /// <summary>The accepted names, in the order help texts list them.</summary>
    public static IReadOnlyList<string> Names { get; } = [Tokenizer13a.Name, TokenizerIntl.Name, NoneName];

    private const string NoneName = "none";

    /// <summary>The signature name: <c>13a</c>, <c>intl</c> or <c>none</c>.</summary>
    public static string Name(this BleuTokenizer tokenizer) => tokenizer switch
    {
        BleuTokenizer.Mteval13a => Tokenizer13a.Name,
        BleuTokenizer.Intl => TokenizerIntl.Name,
        BleuTokenizer.None => NoneName,
        _ => throw new ArgumentOutOfRangeException(nameof(tokenizer), tokenizer, "Unknown BLEU tokenizer."),
    };

    /// <summary>
    /// The tokenizer called <paramref name="name"/> (exact, lower-case, as sacreBLEU spells it).
    /// <paramref name="what"/> names the option or field in the error, e.g. <c>--tokenize</c>.
    /// </summary>
    /// <exception cref="UserInputException">The name is not 13a, intl or none.</exception>
    public static BleuTokenizer Parse(string name, string what = "tokenizer")
    {
        ArgumentNullException.ThrowIfNull(name);
        return name switch
        {
            Tokenizer13a.Name => BleuTokenizer.Mteval13a,
            TokenizerIntl.Name => BleuTokenizer.Intl,
            NoneName => BleuTokenizer.None,
            _ => throw new UserInputException($"{what}: unknown BLEU tokenizer \"{name}\" (expected {string.Join(", ", Names)})"),
        };
    }

    /// <summary>The tokenized line, tokens separated by single spaces (for <see cref="BleuTokenizer.None"/> the line itself).</summary>
    public static string Tokenize(this BleuTokenizer tokenizer, string line) => tokenizer switch
    {
        BleuTokenizer.Mteval13a => Tokenizer13a.Tokenize(line),
        BleuTokenizer.Intl => TokenizerIntl.Tokenize(line),
        BleuTokenizer.None => line ?? throw new ArgumentNullException(nameof(line)),
        _ => throw new ArgumentOutOfRangeException(nameof(tokenizer), tokenizer, "Unknown BLEU tokenizer."),
    };
}
