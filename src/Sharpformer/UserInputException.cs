namespace Sharpformer;

/// <summary>
/// A problem with what the user gave us (a file, a field, an option), as opposed to a bug.
/// The message is one line that names the file/field and says what is wrong; the CLI prints
/// it without a stack trace and exits non-zero.
/// </summary>
public sealed class UserInputException : Exception
{
    public UserInputException(string message) : base(message) { }
    public UserInputException(string message, Exception inner) : base(message, inner) { }
}
