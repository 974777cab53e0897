using System.Text.RegularExpressions;

namespace Sharpformer.Evaluation;

/// <summary>
/// The <c>13a</c> tokenizer: the rules of NIST's mteval-v13a.pl as sacreBLEU applies them
/// before counting BLEU n-grams. It splits off punctuation and symbols, keeps periods and
/// commas inside numbers ("1,000.5"), splits a dash after a digit, and leaves apostrophes and
/// other dashes attached. The output is tokens separated by single spaces.
/// </summary>
public static partial class Tokenizer13a
{
    /// <summary>The name sacreBLEU signatures use for this tokenizer.</summary>
    public const string Name = "13a";

    // Space and the ASCII symbols ! " # $ % & ( ) * + / : ; < = > ? @ [ \ ] ^ _ ` { | } ~, i.e. all
    // of them but the apostrophe (never split), the period and comma (split unless inside a
    // number) and the dash (split only after a digit).
    [GeneratedRegex(@"([\u0020-\u0026\u0028-\u002B\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E])", RegexOptions.CultureInvariant)]
    private static partial Regex Symbol();

    [GeneratedRegex(@"([^0-9])([.,])", RegexOptions.CultureInvariant)]
    private static partial Regex PeriodOrCommaAfterNonDigit();

    [GeneratedRegex(@"([.,])([^0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex PeriodOrCommaBeforeNonDigit();

    [GeneratedRegex(@"([0-9])(-)", RegexOptions.CultureInvariant)]
    private static partial Regex DashAfterDigit();

    /// <summary>Tokenizes one line (callers lowercase and right-strip it first, as sacreBLEU does).</summary>
    public static string Tokenize(string line)
    {
        ArgumentNullException.ThrowIfNull(line);

        // The language-independent part of mteval: drop <skipped> markers, join words hyphenated
        // across a line break, and decode the four SGML entities. The order matters:
        // "&amp;quot;" becomes the literal text "&quot;", not a quote.
        line = line.Replace("<skipped>", "", StringComparison.Ordinal)
                   .Replace("-\n", "", StringComparison.Ordinal)
                   .Replace("\n", " ", StringComparison.Ordinal);
        if (line.Contains('&'))
        {
            line = line.Replace("&quot;", "\"", StringComparison.Ordinal)
                       .Replace("&amp;", "&", StringComparison.Ordinal)
                       .Replace("&lt;", "<", StringComparison.Ordinal)
                       .Replace("&gt;", ">", StringComparison.Ordinal);
        }

        // The padding gives the first and last characters a non-digit neighbour, so a leading
        // ".5" or a trailing "5." is split like one inside the line. Each rule is one pass of
        // leftmost, non-overlapping matches, so a character consumed as the neighbour of one
        // match cannot start the next match of the same pass ("a.,b" splits "." in pass 2 and
        // "," only in pass 3).
        line = " " + line + " ";
        line = Symbol().Replace(line, " $1 ");
        line = PeriodOrCommaAfterNonDigit().Replace(line, "$1 $2 ");
        line = PeriodOrCommaBeforeNonDigit().Replace(line, " $1 $2");
        line = DashAfterDigit().Replace(line, "$1 $2 ");
        return string.Join(' ', PythonText.SplitWhitespace(line));
    }
}
