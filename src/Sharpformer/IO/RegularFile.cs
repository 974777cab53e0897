namespace Sharpformer.IO;

/// <summary>
/// Reads small files (text, JSON, a tokenizer model) as a user names them, safely: the path must lead to a
/// regular file, checked before opening it (a FIFO would block the read until a writer came, a link to
/// /dev/zero would never end), and the file may not be larger than the caller's bound. Every error is one
/// line naming the file.
/// </summary>
public static class RegularFile
{
    /// <summary>The whole file, at most <paramref name="maxBytes"/> bytes; <paramref name="what"/> names its kind in messages ("file", "tokenizer model").</summary>
    /// <exception cref="UserInputException">Missing, not a regular file, too large or unreadable.</exception>
    public static byte[] ReadAllBytes(string path, long maxBytes, string what)
    {
        long length = Check(path, what);
        if (length > maxBytes)
            throw new UserInputException($"{path}: is {MemoryLimit.Format(length)}, more than a {what} may be ({MemoryLimit.Format(maxBytes)})");
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            var bytes = new byte[length];
            for (int done = 0; done < bytes.Length;)
            {
                int n = RandomAccess.Read(handle, bytes.AsSpan(done), done);
                if (n == 0) throw new UserInputException($"{path}: ended early while being read (truncated meanwhile?)");
                done += n;
            }
            return bytes;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { throw new UserInputException($"{path}: {what} not found"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"{path}: cannot be read ({e.Message.ReplaceLineEndings(" ")})", e);
        }
    }

    /// <summary>True when <paramref name="path"/> leads to a regular file (following links); false when nothing is there. Anything else is an error naming it.</summary>
    public static bool Exists(string path, string what) => NativeFile.Inspect(path).Kind switch
    {
        NativeFile.Kind.Missing => false,
        NativeFile.Kind.RegularFile => true,
        NativeFile.Kind.Directory => throw new UserInputException($"{path}: is a folder, not a {what}"),
        _ => throw new UserInputException($"{path}: not a regular file (a device, FIFO or socket), so not a {what}; refusing to read it"),
    };

    /// <summary>The length of the regular file at <paramref name="path"/>, or an error naming it.</summary>
    private static long Check(string path, string what)
    {
        var (kind, length) = NativeFile.Inspect(path);
        return kind switch
        {
            NativeFile.Kind.RegularFile => length,
            NativeFile.Kind.Missing => throw new UserInputException($"{path}: {what} not found"),
            NativeFile.Kind.Directory => throw new UserInputException($"{path}: is a folder, not a {what}"),
            _ => throw new UserInputException($"{path}: not a regular file (a device, FIFO or socket), so not a {what}; refusing to read it"),
        };
    }
}
