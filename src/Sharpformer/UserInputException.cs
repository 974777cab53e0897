namespace Sharpformer;

/// <summary>
/// A problem with what the user gave us (a file, a field, an option), as opposed to a bug.
/// The message is one line that names the file/field and says what is wrong; the CLI prints
/// it without a stack trace and exits non-zero. An error about an options field names the field
/// (<see cref="Field"/>, e.g. "MaxMinutes"), and a front end may show it under its own name for it.
/// </summary>
public sealed class UserInputException : Exception
{
    public UserInputException(string message) : base(message) { }
    public UserInputException(string message, Exception inner) : base(message, inner) { }

    private UserInputException(string field, string message, bool _) : base($"{field}: {message}") => Field = field;

    /// <summary>An error about the options field <paramref name="field"/>; the message reads "field: message".</summary>
    public static UserInputException ForField(string field, string message) => new(field, message, true);

    /// <summary>The options field the error is about, when it is about one.</summary>
    public string? Field { get; }

    /// <summary>The message without its "field: " prefix.</summary>
    public string Detail => Field == null ? Message : Message[(Field.Length + 2)..];
}
