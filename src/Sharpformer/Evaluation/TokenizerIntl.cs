using System.Globalization;
using System.Text;

namespace Sharpformer.Evaluation;

/// <summary>
/// sacreBLEU's <c>intl</c> tokenizer (<c>TokenizerV14International</c>, after mteval-v14.pl's
/// international mode): it splits off every Unicode punctuation mark unless a number stands on
/// both sides of it ("1,000.5" stays whole) and every Unicode symbol ("€", "°", "😀"). Unlike
/// <see cref="Tokenizer13a"/> it decodes no SGML entities and does not pad the line, so a
/// period right after a final number stays attached ("in 1990." is one token), as in mteval-v14.
/// The output is tokens separated by single spaces.
/// </summary>
/// <remarks>
/// sacreBLEU applies three substitutions with Python's <c>regex</c> module, which matches by
/// code point: <c>(\P{N})(\p{P})</c> → <c>"\1 \2 "</c>, then <c>(\p{P})(\P{N})</c> →
/// <c>" \1 \2"</c>, then <c>(\p{S})</c> → <c>" \1 "</c>, and finally joins the whitespace-split
/// tokens. .NET's <see cref="System.Text.RegularExpressions.Regex"/> matches UTF-16 units
/// instead: outside the BMP it would see two surrogates (category Cs), so it would never split
/// an emoji (So) and would treat an astral digit such as "𝟏" as a non-number. The passes are
/// therefore written out over code points, reproducing <c>re.sub</c>'s leftmost,
/// non-overlapping scan. Categories come from .NET's Unicode tables (16.0 in .NET 10); they
/// agree with the <c>regex</c> module's (Unicode 17.0 in its 2026 releases) on every code point
/// assigned in Unicode 16.0.
/// </remarks>
public static class TokenizerIntl
{
    /// <summary>The name sacreBLEU signatures use for this tokenizer.</summary>
    public const string Name = "intl";

    /// <summary>Tokenizes one line (callers lowercase and right-strip it first, as sacreBLEU does).</summary>
    public static string Tokenize(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        int[] codePoints = PythonText.ToCodePoints(line);
        // Each pass is one re.sub over the output of the previous one, so a space inserted by
        // pass 1 is the non-number neighbour pass 2 may match against.
        codePoints = SplitPairs(codePoints, first: cp => !IsNumber(cp), second: IsPunctuation, spaceBeforeFirst: false);
        codePoints = SplitPairs(codePoints, first: IsPunctuation, second: cp => !IsNumber(cp), spaceBeforeFirst: true);
        var sb = new StringBuilder(line.Length * 2);
        foreach (int cp in codePoints)
        {
            if (IsSymbol(cp)) sb.Append(' ').Append(ToText(cp)).Append(' ');
            else sb.Append(ToText(cp));
        }
        return string.Join(' ', PythonText.SplitWhitespace(sb.ToString()));
    }

    /// <summary>
    /// One substitution of a two-character pattern: at each position, if the character there
    /// satisfies <paramref name="first"/> and the next one <paramref name="second"/>, both are
    /// written with the pattern's spaces and the scan resumes after them; otherwise the
    /// character is copied and the scan moves on by one.
    /// </summary>
    private static int[] SplitPairs(int[] text, Func<int, bool> first, Func<int, bool> second, bool spaceBeforeFirst)
    {
        var result = new List<int>(text.Length + 8);
        int i = 0;
        while (i < text.Length)
        {
            if (i + 1 < text.Length && first(text[i]) && second(text[i + 1]))
            {
                // Pass 1 writes "\1 \2 ", pass 2 writes " \1 \2".
                if (spaceBeforeFirst) result.Add(' ');
                result.Add(text[i]);
                result.Add(' ');
                result.Add(text[i + 1]);
                if (!spaceBeforeFirst) result.Add(' ');
                i += 2;
            }
            else
            {
                result.Add(text[i]);
                i++;
            }
        }
        return result.ToArray();
    }

    /// <summary>\p{P}: the seven punctuation categories Pc, Pd, Ps, Pe, Pi, Pf, Po.</summary>
    internal static bool IsPunctuation(int cp) => Category(cp) is UnicodeCategory.ConnectorPunctuation
        or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation
        or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;

    /// <summary>\p{S}: Sm, Sc, Sk, So.</summary>
    internal static bool IsSymbol(int cp) => Category(cp) is UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol
        or UnicodeCategory.ModifierSymbol or UnicodeCategory.OtherSymbol;

    /// <summary>\p{N}: Nd, Nl, No (so "²" and "Ⅻ" count as numbers too, not only 0-9).</summary>
    internal static bool IsNumber(int cp) => Category(cp) is UnicodeCategory.DecimalDigitNumber
        or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    // A lone surrogate (possible in a .NET string, and in a Python str only through
    // surrogateescape) is its own code point of category Cs, which none of the classes holds.
    private static UnicodeCategory Category(int cp) =>
        Rune.IsValid(cp) ? Rune.GetUnicodeCategory(new Rune(cp)) : UnicodeCategory.Surrogate;

    private static string ToText(int cp) => Rune.IsValid(cp) ? char.ConvertFromUtf32(cp) : ((char)cp).ToString();
}
