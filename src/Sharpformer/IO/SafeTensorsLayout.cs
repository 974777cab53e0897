using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Sharpformer.IO;

/// <summary>
/// The rules of the safetensors layout, checked before a single data byte is read: the header
/// length is at most 100 MB and inside the file; the header is UTF-8 JSON starting with '{'; every
/// tensor has a known dtype, a non-negative shape and data_offsets [begin, end] whose byte count is
/// product(shape) × dtype size; and the tensors, sorted by offset, tile the data region exactly (no
/// overlap, no hole, no byte before, between or after them), as the format requires. All
/// arithmetic is checked against the data length itself, so no offset can wrap around a bound.
/// </summary>
internal static class SafeTensorsLayout
{
    /// <summary>The format's limit (the reference reader's MAX_HEADER_SIZE), so a hostile length cannot make us allocate gigabytes.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public sealed record Entry(string Name, SafeTensorDType DType, int[] Shape, long Begin, long End)
    {
        public int ByteCount => (int)(End - Begin);
    }

    /// <summary>The header length stored in the first 8 bytes, checked against the limit and the file.</summary>
    public static int HeaderLength(ReadOnlySpan<byte> prefix, long fileLength, string path)
    {
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (length > MaxHeaderBytes) throw Bad(path, $"header length {length} is over the format's 100 MB limit");
        if (length > (ulong)(fileLength - 8)) throw Bad(path, $"header length {length} exceeds the {fileLength - 8} bytes after it (truncated file?)");
        return (int)length;
    }

    /// <summary>Parses and checks the header against a data region of <paramref name="dataLength"/> bytes.</summary>
    public static (List<Entry> Tensors, Dictionary<string, string> Metadata) Parse(byte[] header, long dataLength, string path)
    {
        if (!Utf8.IsValid(header)) throw Bad(path, "header is not valid UTF-8");
        if (header.Length == 0 || header[0] != (byte)'{') throw Bad(path, "header does not begin with '{' as the format requires");
        JsonDocument document;
        try { document = JsonDocument.Parse(header); }
        catch (JsonException e) { throw Bad(path, $"header is not valid JSON ({OneLine(e.Message)})"); }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw Bad(path, "header is not a JSON object");
            var tensors = new List<Entry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name)) throw Bad(path, $"header names {Quote(property.Name)} twice");
                if (property.Name == "__metadata__") ReadMetadata(property.Value, metadata, path);
                else tensors.Add(ReadEntry(property.Name, property.Value, dataLength, path));
            }
            CheckTiling(tensors, dataLength, path);
            return (tensors, metadata);
        }
    }

    public static int ElementSize(SafeTensorDType d) => d == SafeTensorDType.F32 ? 4 : 8;

    /// <summary>A tensor name as it appears in a message: quoted, control characters escaped so the message stays one line.</summary>
    public static string Quote(string name)
    {
        var sb = new StringBuilder("'");
        foreach (char c in name) sb.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        return sb.Append('\'').ToString();
    }

    public static UserInputException Bad(string path, string what) => new($"{path}: not a valid safetensors file: {what}");

    private static void ReadMetadata(JsonElement node, Dictionary<string, string> metadata, string path)
    {
        if (node.ValueKind != JsonValueKind.Object) throw Bad(path, "__metadata__ is not an object");
        foreach (var (key, value) in node.EnumerateObject().Select(p => (p.Name, p.Value)))
        {
            if (value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null)) throw Bad(path, $"__metadata__ value {Quote(key)} is not a string");
            if (!metadata.TryAdd(key, value.GetString() ?? "")) throw Bad(path, $"__metadata__ names {Quote(key)} twice");
        }
    }

    private static Entry ReadEntry(string name, JsonElement node, long dataLength, string path)
    {
        string tensor = "tensor " + Quote(name);
        if (node.ValueKind != JsonValueKind.Object) throw Bad(path, $"{tensor} is not an object");
        if (!node.TryGetProperty("dtype", out var dtypeNode) || dtypeNode.ValueKind != JsonValueKind.String)
            throw Bad(path, $"{tensor} has no string dtype");
        var dtype = dtypeNode.GetString() switch
        {
            "F32" => SafeTensorDType.F32,
            "F64" => SafeTensorDType.F64,
            "I64" => SafeTensorDType.I64,
            var other => throw Bad(path, $"{tensor} has dtype {Quote(other!)}, which this reader does not support (F32, F64, I64)"),
        };

        if (!node.TryGetProperty("shape", out var shapeNode) || shapeNode.ValueKind != JsonValueKind.Array)
            throw Bad(path, $"{tensor} has no shape array");
        var shape = new int[shapeNode.GetArrayLength()];
        long count = 1;
        int i = 0;
        foreach (var d in shapeNode.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out shape[i]) || shape[i] < 0)
                throw Bad(path, $"{tensor} has shape {d.GetRawText()} at dimension {i}, not an integer in [0, 2^31)");
            if (count != 0 && shape[i] > long.MaxValue / ElementSize(dtype) / Math.Max(1, count))
                throw Bad(path, $"{tensor} has a shape whose byte count does not fit in 64 bits");
            count *= shape[i++];
        }
        long bytes = count * ElementSize(dtype);

        long begin = 0, end = 0;
        if (!node.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2
            || offsets[0].ValueKind != JsonValueKind.Number || offsets[1].ValueKind != JsonValueKind.Number   // TryGetInt64 throws on a non-number
            || !offsets[0].TryGetInt64(out begin) || !offsets[1].TryGetInt64(out end) || begin < 0)
            throw Bad(path, $"{tensor} has data_offsets {(node.TryGetProperty("data_offsets", out var raw) ? raw.GetRawText() : "(missing)")}, not two integers in [0, 2^63)");
        string range = $"data_offsets [{begin}, {end}]";
        if (end < begin) throw Bad(path, $"{tensor} has {range} with its end before its begin");
        if (end > dataLength) throw Bad(path, $"{tensor} has {range} beyond the {dataLength} data bytes (truncated file?)");
        if (end - begin != bytes) throw Bad(path, $"{tensor} has {range} spanning {end - begin} bytes; shape [{string.Join(", ", shape)}] of {dtype} needs {bytes}");
        if (bytes > Array.MaxLength) throw Bad(path, $"{tensor} has {bytes} bytes, more than one array can hold");
        return new Entry(name, dtype, shape, begin, end);
    }

    private static void CheckTiling(List<Entry> tensors, long dataLength, string path)
    {
        long position = 0;
        Entry? previous = null;
        foreach (var t in tensors.OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            if (t.Begin < position)
                throw Bad(path, $"tensors {Quote(previous!.Name)} and {Quote(t.Name)} overlap (data_offsets [{previous.Begin}, {previous.End}] and [{t.Begin}, {t.End}])");
            if (t.Begin > position)
                throw Bad(path, $"data bytes [{position}, {t.Begin}) are unreferenced (before tensor {Quote(t.Name)}); the format forbids holes");
            position = t.End;
            previous = t;
        }
        if (position != dataLength)
            throw Bad(path, $"data bytes [{position}, {dataLength}) are unreferenced (after the last tensor); the format forbids trailing bytes");
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
