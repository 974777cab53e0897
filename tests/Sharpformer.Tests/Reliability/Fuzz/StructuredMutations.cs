using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace Sharpformer.Tests.Reliability.Fuzz;

internal static partial class Mutations
{
    /// <summary>Safetensors files whose 8-byte header length lies, or whose header JSON has one number, dtype or name changed.</summary>
    public static IEnumerable<Mutation> SafetensorsHeaderLies(int count, int seed)
    {
        foreach (ulong claimed in new ulong[] { 0, 1, 2, 7, 100_000_001, 1UL << 31, 1UL << 32, (1UL << 63) - 1, 1UL << 63, ulong.MaxValue })
            yield return new Mutation($"header length claimed as {claimed}", path =>
            {
                byte[] bytes = File.ReadAllBytes(path);
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, claimed);
                File.WriteAllBytes(path, bytes);
            });
        yield return new Mutation("header length off by +8", path => ShiftHeaderLength(path, +8));
        yield return new Mutation("header length off by -8", path => ShiftHeaderLength(path, -8));
        var random = new Random(seed);
        string[] replacements = ["0", "-1", "1", "9", "99999999999", "18446744073709551615", "9223372036854775807", "1.5", "1e9", "null", "\"8\"", "[]", "{}"];
        for (int i = 0; i < count; i++)
        {
            int pick = random.Next(), with = random.Next(replacements.Length);
            yield return new Mutation($"header number #{pick % 997} replaced by {replacements[with]}", path => EditHeader(path, json =>
            {
                var numbers = Number().Matches(json);
                if (numbers.Count == 0) return json;
                var m = numbers[pick % numbers.Count];
                return json[..m.Index] + replacements[with] + json[(m.Index + m.Length)..];
            }));
        }
        foreach (var (from, to) in new[] { ("\"F32\"", "\"F16\""), ("\"F32\"", "\"I64\""), ("\"F32\"", "\"F64\""), ("\"data_offsets\"", "\"data_offset\""), ("\"shape\"", "\"shapes\""),
                     ("embed.weight", "embed.weigh"), ("\"__metadata__\"", "\"__metadata\""), ("sharpformer.config", "sharpformer.confi") })
            yield return new Mutation($"header text {from} → {to}", path => EditHeader(path, json => ReplaceFirst(json, from, to)));
    }

    /// <summary>
    /// An RNN model file's config with one field changed: sizes to zero, negative or absurd values, a wrong cell, a
    /// change of shape (layers, attention size, direction), special ids outside the vocabulary. With
    /// <paramref name="withHash"/> the integrity hash stays (and no longer matches); without, the file is as one saved
    /// before the hash existed, so the config checks and the size check before allocation must catch it.
    /// </summary>
    public static IEnumerable<Mutation> RnnConfigEdits(bool withHash)
    {
        var edits = new (string Field, string Json)[]
        {
            ("hidden_size", "0"), ("hidden_size", "-1"), ("hidden_size", "2147483647"), ("hidden_size", "1000000"), ("hidden_size", "17"),
            ("layers", "0"), ("layers", "2"), ("layers", "100000"), ("embedding_size", "0"), ("embedding_size", "2000000000"),
            ("cell", "\"tree\""), ("cell", "7"), ("cell", "\"lstm\""), ("cell", "null"), ("attention_size", "0"), ("attention_size", "1000000000"),
            ("attention_size", "17"), ("bidirectional", "false"), ("bidirectional", "\"yes\""), ("vocab_size", "2000000000"), ("vocab_size", "399"),
            ("dropout", "1"), ("dropout", "\"NaN\""), ("pad_id", "-1"), ("eos_id", "100000"),
        };
        foreach (var (field, json) in edits)
            yield return new Mutation($"config {field} = {json}{(withHash ? "" : " (no integrity hash)")}",
                path => ModelFileEdits.EditConfig(path, c => c[field] = System.Text.Json.Nodes.JsonNode.Parse(json), keepOtherMetadata: withHash));
    }

    /// <summary>A JSON file with one value replaced (numbers to extremes, strings, nulls), a key removed, or its structure broken.</summary>
    public static IEnumerable<Mutation> JsonEdits(int count, int seed)
    {
        var random = new Random(seed);
        string[] values = ["0", "-1", "-2147483649", "2147483648", "1e308", "-1e308", "1e-320", "0.5", "\"\"", "\"text\"", "null", "true", "[]", "{}", "NaN", "\"NaN\"", "Infinity"];
        for (int i = 0; i < count; i++)
        {
            int pick = random.Next(), with = random.Next(values.Length);
            yield return new Mutation($"JSON value #{pick % 991} replaced by {values[with]}", path => EditText(path, text =>
            {
                var found = JsonValue().Matches(text);
                if (found.Count == 0) return text;
                var m = found[pick % found.Count].Groups["value"];
                return text[..m.Index] + values[with] + text[(m.Index + m.Length)..];
            }));
        }
        yield return new Mutation("JSON: first key removed", path => EditText(path, text => JsonValue().Replace(text, "", 1)));
        yield return new Mutation("JSON: closing brace removed", path => EditText(path, text => text[..text.LastIndexOf('}')]));
        yield return new Mutation("JSON: an array instead of an object", path => File.WriteAllText(path, "[1, 2, 3]"));
        yield return new Mutation("JSON: nested 10000 deep", path => File.WriteAllText(path, new string('[', 10000) + new string(']', 10000)));
        yield return new Mutation("JSON: a 5 MB string value", path => EditText(path, text => ReplaceFirst(text, "\"", "\"" + new string('x', 5 << 20))));
    }

    /// <summary>Text files with damaged lines: invalid UTF-8, NUL and control bytes, an enormous line, line ends removed or changed.</summary>
    public static IEnumerable<Mutation> TextEdits(int count, int seed)
    {
        var random = new Random(seed);
        byte[][] inserts = [[0xFF], [0xC3, 0x28], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x00], [0x0D], [0x1B, 0x5B, 0x32, 0x4A], [0xEF, 0xBB, 0xBF], [0xC0, 0xAF]];
        for (int i = 0; i < count; i++)
        {
            int pick = random.Next(), what = random.Next(inserts.Length);
            yield return new Mutation($"bytes {Convert.ToHexString(inserts[what])} inserted at #{pick % 1009}", path =>
            {
                byte[] bytes = File.ReadAllBytes(path);
                int at = bytes.Length == 0 ? 0 : pick % bytes.Length;
                File.WriteAllBytes(path, [.. bytes[..at], .. inserts[what], .. bytes[at..]]);
            });
        }
        yield return new Mutation("a 100,000-character line added", path => File.AppendAllText(path, new string('a', 50_000) + " " + new string('ö', 49_999) + "\n"));
        yield return new Mutation("a line of 5,000 spaces added", path => File.AppendAllText(path, new string(' ', 5000) + "\n"));
        yield return new Mutation("line ends removed", path => EditText(path, text => text.Replace("\n", " ")));
        yield return new Mutation("line ends made CRLF", path => EditText(path, text => text.Replace("\n", "\r\n")));
        yield return new Mutation("line ends made CR", path => EditText(path, text => text.Replace("\n", "\r")));
        yield return new Mutation("blank lines doubled", path => EditText(path, text => text.Replace("\n", "\n\n")));
        yield return new Mutation("first line removed", path => EditText(path, text => text[(text.IndexOf('\n') + 1)..]));
        yield return new Mutation("final line end removed", path => EditText(path, text => text.TrimEnd('\n')));
        yield return new Mutation("written as UTF-16", path => File.WriteAllText(path, File.ReadAllText(path), Encoding.Unicode));
        yield return new Mutation("written as Latin-1", path => File.WriteAllText(path, File.ReadAllText(path), Encoding.Latin1));
        yield return new Mutation("only line ends", path => File.WriteAllText(path, "\n\n\n"));
    }

    private static void ShiftHeaderLength(string path, long delta)
    {
        byte[] bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)((long)BinaryPrimitives.ReadUInt64LittleEndian(bytes) + delta));
        File.WriteAllBytes(path, bytes);
    }

    // Rewrites the header JSON, keeping the data after it; the length field is updated to the new header.
    private static void EditHeader(string path, Func<string, string> edit)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        byte[] header = Encoding.UTF8.GetBytes(edit(Encoding.UTF8.GetString(bytes, 8, headerLength)));
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        File.WriteAllBytes(path, [.. length, .. header, .. bytes[(8 + headerLength)..]]);
    }

    private static void EditText(string path, Func<string, string> edit) => File.WriteAllText(path, edit(File.ReadAllText(path)));

    private static string ReplaceFirst(string text, string from, string to)
    {
        int at = text.IndexOf(from, StringComparison.Ordinal);
        return at < 0 ? text : text[..at] + to + text[(at + from.Length)..];
    }

    [GeneratedRegex(@"-?\d+(\.\d+)?([eE][-+]?\d+)?")]
    private static partial Regex Number();

    [GeneratedRegex(@"""[a-z_]+""\s*:\s*(?<value>-?[\d.eE+-]+|""[^""]*""|true|false|null)")]
    private static partial Regex JsonValue();
}
