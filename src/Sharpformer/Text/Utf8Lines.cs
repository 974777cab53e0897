using System.Text;
using System.Text.Unicode;

namespace Sharpformer.Text;

/// <summary>What to do with a line that is not valid UTF-8.</summary>
public enum InvalidUtf8Handling
{
    /// <summary>Replace each invalid sequence with U+FFFD and keep the rest of the line.</summary>
    Replace,
    /// <summary>Treat the line as empty.</summary>
    Empty,
    /// <summary>Refuse the whole input, naming the line.</summary>
    Error,
}

/// <summary>
/// Lines of UTF-8 input where one bad line need not spoil the rest: each line is decoded on its own, so a
/// stray Latin-1 byte on line 7 of a file to translate costs line 7 at most, per <see cref="InvalidUtf8Handling"/>.
/// Lines end at LF or CRLF; a final line without a terminator counts; a leading byte-order mark is dropped
/// (the same rules as <see cref="Utf8TextFile"/>).
/// </summary>
public static class Utf8Lines
{
    /// <summary>
    /// Decodes <paramref name="bytes"/> into lines; <paramref name="name"/> names the input in errors, and
    /// <paramref name="onInvalid"/> hears the 1-based number of each line that was replaced or emptied.
    /// </summary>
    public static List<string> Decode(ReadOnlySpan<byte> bytes, string name, InvalidUtf8Handling handling, Action<int>? onInvalid = null)
    {
        if (handling == InvalidUtf8Handling.Error) return Utf8TextFile.SplitLines(Utf8TextFile.Decode(bytes, name));
        if (bytes.StartsWith("\uFEFF"u8)) bytes = bytes[3..];
        var lines = new List<string>();
        while (bytes.Length > 0)
        {
            int newline = bytes.IndexOf((byte)'\n');
            var line = newline < 0 ? bytes : bytes[..newline];
            if (newline >= 0 && line.EndsWith("\r"u8)) line = line[..^1];
            if (Utf8.IsValid(line)) lines.Add(Encoding.UTF8.GetString(line));
            else
            {
                lines.Add(handling == InvalidUtf8Handling.Replace ? Encoding.UTF8.GetString(line) : "");   // GetString replaces each bad sequence with U+FFFD
                onInvalid?.Invoke(lines.Count);
            }
            if (newline < 0) break;
            bytes = bytes[(newline + 1)..];
        }
        return lines;
    }

    /// <summary>Parses "replace", "empty" or "error" (the --on-invalid values); throws naming <paramref name="field"/>.</summary>
    public static InvalidUtf8Handling ParseHandling(string text, string field) => text.Trim().ToLowerInvariant() switch
    {
        "replace" => InvalidUtf8Handling.Replace,
        "empty" => InvalidUtf8Handling.Empty,
        "error" => InvalidUtf8Handling.Error,
        _ => throw UserInputException.ForField(field, $"expected replace, empty or error, got '{text}'"),
    };
}
