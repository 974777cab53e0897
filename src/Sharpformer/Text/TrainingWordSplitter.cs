using System.Globalization;
using System.Text;

namespace Sharpformer.Text;

/// <summary>
/// Cuts training text into the stretches a learned piece may cover, the way SentencePiece's
/// trainer does: the text is first put in the encoder's form (a leading U+2581 and every space
/// replaced by U+2581), then a new stretch starts at every U+2581 and wherever the character
/// class changes between letters, digits and everything else (punctuation, symbols, controls).
/// So "▁dog." gives "▁dog" and "."; pieces like "g." never exist and "dog" shares its piece with
/// "dog." and "dog,". Because every learned piece stays inside one stretch, no piece can be spelt
/// by joining two others across a class boundary — which keeps control strings such as "&lt;s&gt;"
/// and byte pieces such as "&lt;0x41&gt;" from ever being formed out of ordinary text.
/// </summary>
internal static class TrainingWordSplitter
{
    /// <summary>The SentencePiece whitespace mark "▁" (U+2581).</summary>
    public const char SpaceMark = '\u2581';

    private enum CharClass : byte { Space, Letter, Digit, Other }

    /// <summary>Adds the stretches of one text to <paramref name="counts"/>.</summary>
    public static void CountStretches(string text, Dictionary<string, long> counts)
    {
        if (text.Length == 0) return;
        string normalized = ToEncoderForm(text);
        var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();

        int start = 0;
        CharClass stretchClass = CharClass.Space;
        for (int i = 0; i < normalized.Length;)
        {
            int width = CharWidth(normalized, i);
            CharClass c = Classify(normalized, i, width);
            bool continues = i > start && c != CharClass.Space && (stretchClass == CharClass.Space || stretchClass == c);
            if (i > start && !continues)
            {
                Add(lookup, normalized.AsSpan(start, i - start));
                start = i;
                stretchClass = c;
            }
            else if (stretchClass == CharClass.Space)
            {
                stretchClass = c;
            }
            i += width;
        }
        Add(lookup, normalized.AsSpan(start));
    }

    /// <summary>The text as SentencePiece's normaliser hands it to the model (identity rules, spaces kept).</summary>
    public static string ToEncoderForm(string text) =>
        string.Create(text.Length + 1, text, static (span, t) =>
        {
            span[0] = SpaceMark;
            for (int i = 0; i < t.Length; i++) span[i + 1] = t[i] == ' ' ? SpaceMark : t[i];
        });

    /// <summary>2 for a surrogate pair (one code point), else 1 — the unit the encoder starts from.</summary>
    public static int CharWidth(string s, int i) =>
        char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? 2 : 1;

    private static void Add(Dictionary<string, long>.AlternateLookup<ReadOnlySpan<char>> lookup, ReadOnlySpan<char> stretch)
    {
        lookup.TryGetValue(stretch, out long n);
        lookup[stretch] = n + 1;
    }

    private static CharClass Classify(string s, int i, int width)
    {
        if (s[i] == SpaceMark) return CharClass.Space;
        UnicodeCategory category = width == 2
            ? Rune.GetUnicodeCategory(new Rune(s[i], s[i + 1]))
            : char.GetUnicodeCategory(s[i]);
        return category switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                => CharClass.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
                => CharClass.Digit,
            _ => CharClass.Other,
        };
    }
}
