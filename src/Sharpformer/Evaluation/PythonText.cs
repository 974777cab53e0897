using System.Globalization;
using System.Text;

namespace Sharpformer.Evaluation;

/// <summary>
/// The few Python <c>str</c> operations the sacreBLEU metrics rely on, with Python's exact
/// semantics. They differ from .NET's in small ways that change scores on unusual text:
/// Python treats U+001C..U+001F as whitespace, lowercases U+0130 to two code points and
/// picks the final sigma by context.
/// </summary>
internal static class PythonText
{
    /// <summary>Python's <c>str.isspace</c> for one UTF-16 unit (every Python whitespace is in the BMP).</summary>
    public static bool IsWhiteSpace(char c) => char.IsWhiteSpace(c) || (c >= '\u001C' && c <= '\u001F');

    /// <summary>Python's <c>s.split()</c>: runs of whitespace separate tokens; no empty tokens.</summary>
    public static List<string> SplitWhitespace(string s)
    {
        var tokens = new List<string>();
        int i = 0;
        while (i < s.Length)
        {
            while (i < s.Length && IsWhiteSpace(s[i])) i++;
            int start = i;
            while (i < s.Length && !IsWhiteSpace(s[i])) i++;
            if (i > start) tokens.Add(s.Substring(start, i - start));
        }
        return tokens;
    }

    /// <summary>Python's <c>''.join(s.split())</c>: the string with every whitespace removed.</summary>
    public static string RemoveWhitespace(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
            if (!IsWhiteSpace(c)) sb.Append(c);
        return sb.ToString();
    }

    /// <summary>
    /// UTF-16 offsets where each code point of <paramref name="s"/> starts, plus <c>s.Length</c>
    /// at the end, so that Python's <c>s[i:i + n]</c> is the substring between entries i and i+n.
    /// </summary>
    public static int[] CodePointStarts(string s)
    {
        var starts = new List<int>(s.Length + 1);
        for (int i = 0; i < s.Length; i += char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? 2 : 1)
            starts.Add(i);
        starts.Add(s.Length);
        return starts.ToArray();
    }

    /// <summary>Python's <c>s.rstrip()</c>.</summary>
    public static string RStrip(string s)
    {
        int end = s.Length;
        while (end > 0 && IsWhiteSpace(s[end - 1])) end--;
        return end == s.Length ? s : s.Substring(0, end);
    }

    /// <summary>
    /// Python's <c>s.lower()</c>: the simple lowercase mapping of every code point, except
    /// U+0130 (İ → "i̇", its full mapping) and U+03A3 (Σ → ς at the end of a word, else σ).
    /// </summary>
    public static string Lower(string s)
    {
        int[] codePoints = ToCodePoints(s);
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < codePoints.Length; i++)
        {
            int cp = codePoints[i];
            if (cp == 0x0130) sb.Append("i\u0307");
            else if (cp == 0x03A3) sb.Append(IsFinalSigma(codePoints, i) ? '\u03C2' : '\u03C3');
            else if (Rune.IsValid(cp)) sb.Append(Rune.ToLowerInvariant(new Rune(cp)).ToString());
            else sb.Append((char)cp); // a lone surrogate has no case
        }
        return sb.ToString();
    }

    /// <summary>Splits into code points; a lone surrogate stays one code point, as in Python.</summary>
    public static int[] ToCodePoints(string s)
    {
        var codePoints = new List<int>(s.Length);
        for (int i = 0; i < s.Length;)
        {
            if (Rune.TryGetRuneAt(s, i, out Rune r)) { codePoints.Add(r.Value); i += r.Utf16SequenceLength; }
            else { codePoints.Add(s[i]); i++; }
        }
        return codePoints.ToArray();
    }

    // Unicode's Final_Sigma context: a cased letter before (skipping case-ignorables) and no
    // cased letter after (skipping case-ignorables).
    private static bool IsFinalSigma(int[] codePoints, int at)
    {
        int j = at - 1;
        while (j >= 0 && IsCaseIgnorable(codePoints[j])) j--;
        if (j < 0 || !IsCased(codePoints[j])) return false;
        j = at + 1;
        while (j < codePoints.Length && IsCaseIgnorable(codePoints[j])) j++;
        return j == codePoints.Length || !IsCased(codePoints[j]);
    }

    private static bool IsCased(int cp)
    {
        if (!Rune.IsValid(cp)) return false;
        var r = new Rune(cp);
        UnicodeCategory cat = Rune.GetUnicodeCategory(r);
        return cat is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            || Rune.ToLowerInvariant(r) != r || Rune.ToUpperInvariant(r) != r;
    }

    private static bool IsCaseIgnorable(int cp)
    {
        if (!Rune.IsValid(cp)) return false;
        switch (cp)
        {
            // Word_Break MidLetter, MidNumLet and Single_Quote
            case 0x0027 or 0x002E or 0x003A or 0x00B7 or 0x0387 or 0x055F or 0x05F4 or 0x2018 or 0x2019
                or 0x2024 or 0x2027 or 0xFE13 or 0xFE52 or 0xFE55 or 0xFF07 or 0xFF0E or 0xFF1A:
                return true;
        }
        return Rune.GetUnicodeCategory(new Rune(cp)) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.Format or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol;
    }
}
