using System.Security.Cryptography;
using System.Text;
using Sharpformer.IO;

namespace Sharpformer.Text;

/// <summary>
/// checksums.sha256 in a tokenizer folder: the SHA-256 of its SentencePiece model in <c>sha256sum</c> format,
/// written after the model. A flipped bit in a piece or a score still parses as a valid model and would
/// silently change every translation; with the checksum it is refused naming the file. Folders saved before
/// the checksum existed have none and load as before.
/// </summary>
internal static class TokenizerChecksum
{
    public const string FileName = "checksums.sha256";

    public static void Write(string directory, byte[] modelBytes) =>
        DurableFile.WriteAllText(Path.Combine(directory, FileName), $"{Hash(modelBytes)}  {SubwordTokenizer.ModelFileName}\n");

    /// <summary>Throws naming the model file when the folder's checksum does not match <paramref name="modelBytes"/>.</summary>
    public static void Verify(string directory, byte[] modelBytes, string modelPath)
    {
        string path = Path.Combine(directory, FileName);
        if (!RegularFile.Exists(path, "checksum file")) return;
        string text;
        try { text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(RegularFile.ReadAllBytes(path, 4096, "checksum file")); }
        catch (DecoderFallbackException) { throw new UserInputException($"{path}: not a checksum file (invalid UTF-8)"); }
        string expected = $"  {SubwordTokenizer.ModelFileName}";
        string? line = text.Split('\n').FirstOrDefault(l => l.EndsWith(expected, StringComparison.Ordinal));
        if (line == null || line.Length != 64 + expected.Length || !line[..64].All(char.IsAsciiHexDigitLower))
            throw new UserInputException($"{path}: does not hold a '<sha256>  {SubwordTokenizer.ModelFileName}' line");
        if (line[..64] != Hash(modelBytes))
            throw new UserInputException($"{modelPath}: fails its checksum in {FileName}: the tokenizer was changed after it was saved");
    }

    private static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
