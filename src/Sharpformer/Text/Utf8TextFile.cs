using System.Buffers;
using System.Text.Unicode;

namespace Sharpformer.Text;

/// <summary>
/// Reads a text file as strict UTF-8: a leading byte-order mark is dropped, any invalid byte
/// sequence is a <see cref="UserInputException"/> naming the line, and nothing else is changed.
/// </summary>
public static class Utf8TextFile
{
    private static ReadOnlySpan<byte> ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <summary>The whole file as one string (line breaks kept). An empty file is an error.</summary>
    public static string ReadAllText(string path)
    {
        string text = Decode(ReadBytes(path), path);
        if (text.Length == 0) throw new UserInputException($"{path}: the file is empty");
        return text;
    }

    /// <summary>Decodes bytes as strict UTF-8 (a BOM dropped); <paramref name="name"/> names the source in errors. Empty input gives "".</summary>
    public static string Decode(ReadOnlySpan<byte> bytes, string name)
    {
        ReadOnlySpan<byte> content = bytes;
        if (content.StartsWith(ByteOrderMark)) content = content[ByteOrderMark.Length..];

        // A UTF-8 sequence never yields more UTF-16 units than it has bytes.
        char[] chars = new char[content.Length];
        OperationStatus status = Utf8.ToUtf16(content, chars, out int bytesRead, out int charsWritten, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
        {
            ReadOnlySpan<byte> before = content[..bytesRead];
            int line = before.Count((byte)'\n') + 1;
            int byteInLine = bytesRead - (before.LastIndexOf((byte)'\n') + 1) + 1;
            throw new UserInputException($"{name}, line {line}: invalid UTF-8 (byte {byteInLine} of the line)");
        }
        return new string(chars, 0, charsWritten);
    }

    /// <summary>
    /// The file's lines without their terminators. LF and CRLF both end a line; a final line
    /// without a terminator counts; a final terminator does not start an extra empty line.
    /// </summary>
    public static List<string> ReadLines(string path) => SplitLines(ReadAllText(path));

    /// <summary>
    /// The file's lines, each decoded on its own so that invalid UTF-8 costs only its line (<see cref="Utf8Lines"/>);
    /// an empty file is an error.
    /// </summary>
    public static List<string> ReadLines(string path, InvalidUtf8Handling handling, Action<int>? onInvalid = null)
    {
        byte[] bytes = ReadBytes(path);
        if (bytes.Length == 0 || bytes.AsSpan().SequenceEqual(ByteOrderMark)) throw new UserInputException($"{path}: the file is empty");
        return Utf8Lines.Decode(bytes, path, handling, onInvalid);
    }

    /// <summary>See <see cref="ReadLines(string)"/>.</summary>
    public static List<string> SplitLines(string text)
    {
        var lines = new List<string>();
        int start = 0;
        while (start < text.Length)
        {
            int newline = text.IndexOf('\n', start);
            if (newline < 0)
            {
                lines.Add(text[start..]);
                break;
            }
            int end = newline > start && text[newline - 1] == '\r' ? newline - 1 : newline;
            lines.Add(text[start..end]);
            start = newline + 1;
        }
        return lines;
    }

    // A data file of any size up to what one array holds; a FIFO, a device or a folder is refused before it is opened.
    internal static byte[] ReadBytes(string path) => IO.RegularFile.ReadAllBytes(path, Array.MaxLength, "file");
}
