using System.Text;
using Sharpformer.Text;

namespace Sharpformer.Cli.Chat;

/// <summary>One input line: its text, or why it has none (<see cref="Problem"/>).</summary>
public readonly record struct InputLine(string Text, string? Problem);

/// <summary>Where the chat reads its lines from.</summary>
public interface ILineInput
{
    /// <summary>The next line, or null at the end of the input. <paramref name="prompt"/> is shown first where a person types.</summary>
    InputLine? Read(string prompt);
}

/// <summary>
/// Lines of a byte stream (piped input), split at LF with a CR before it dropped, each decoded as strict
/// UTF-8 on its own: a line that is not valid UTF-8, or longer than <see cref="MaxLineBytes"/>, comes back
/// with a problem and the next line is read normally. A byte-order mark at the start is dropped. Reads
/// only as far as the current line, so a person or program can feed it one line at a time.
/// </summary>
public sealed class StreamLineInput(Stream stream) : ILineInput
{
    /// <summary>The longest line read (64 KiB); the rest of a longer line is skipped.</summary>
    public const int MaxLineBytes = 64 * 1024;

    private readonly Stream _stream = new BufferedStream(stream);
    private readonly MemoryStream _line = new();
    private bool _first = true;

    public InputLine? Read(string prompt)
    {
        _line.SetLength(0);
        bool tooLong = false, any = false;
        int b;
        while ((b = _stream.ReadByte()) >= 0 && b != '\n')
        {
            any = true;
            if (_line.Length < MaxLineBytes + 1) _line.WriteByte((byte)b);   // one byte more tells a CR before LF apart
            else tooLong = true;
        }
        if (b < 0 && !any) return null;
        var bytes = _line.GetBuffer().AsSpan(0, (int)_line.Length);
        if (bytes.EndsWith((ReadOnlySpan<byte>)[(byte)'\r'])) bytes = bytes[..^1];
        if (bytes.Length > MaxLineBytes) tooLong = true;
        bool first = _first;
        _first = false;
        if (tooLong) return new InputLine("", $"longer than {MaxLineBytes / 1024} KiB");
        try
        {
            return new InputLine(first ? Utf8TextFile.Decode(bytes, "input") : DecodeWithoutBom(bytes), null);
        }
        catch (UserInputException)
        {
            return new InputLine("", "not valid UTF-8");
        }
    }

    // A BOM is only dropped at the start of the input; later it is text (U+FEFF).
    private static string DecodeWithoutBom(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? "\uFEFF" + Utf8TextFile.Decode(bytes[3..], "input") : Utf8TextFile.Decode(bytes, "input");
}

/// <summary>
/// A person at a terminal: the prompt on standard error, then <see cref="Console.ReadLine"/> (which edits with
/// backspace; run the chat under <c>rlwrap</c> for cursor movement and history). The terminal's bytes are
/// decoded as UTF-8; a line that held invalid bytes shows U+FFFD and is refused.
/// </summary>
public sealed class ConsoleLineInput : ILineInput
{
    public ConsoleLineInput() => Console.InputEncoding = new UTF8Encoding(false);

    public InputLine? Read(string prompt)
    {
        Console.Error.Write(prompt);
        string? line = Console.ReadLine();
        if (line == null)
        {
            Console.Error.WriteLine();   // Ctrl-D: leave the shell's prompt on a line of its own
            return null;
        }
        return line.Contains('\uFFFD') ? new InputLine("", "not valid UTF-8 (check the terminal's encoding)") : new InputLine(line, null);
    }
}
