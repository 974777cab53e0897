using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Sharpformer.IO;
using Sharpformer.Tests.Text;

namespace Sharpformer.Tests.IO;

/// <summary>The safetensors reader and writer: round trips, the byte layout, bad files, atomic writes (hostile layouts: <see cref="SafeTensorsHostileFileTests"/>).</summary>
public sealed class SafeTensorsTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string PathOf(string name) => System.IO.Path.Combine(_dir.Path, name);

    private static readonly float[] Floats = [1.5f, -0f, float.Epsilon, float.MaxValue, -3.25f, float.NaN];
    private static readonly double[] Doubles = [Math.PI, -1e-300, double.MinValue, 0.1];
    private static readonly long[] Longs = [0, -1, long.MaxValue, long.MinValue, 42, 7];

    private static SafeTensor[] Sample() =>
    [
        SafeTensor.FromFloats("layer.weight", Floats, 2, 3),
        SafeTensor.FromDoubles("expect.ß-ünïcode", Doubles, 4),
        SafeTensor.FromLongs("ids", Longs, 3, 1, 2),
        SafeTensor.FromFloats("empty", [], 0, 5),
        SafeTensor.FromFloats("scalar", [2.5f]),
    ];

    [Fact]
    public void Write_then_read_round_trips_every_dtype_shape_and_metadata()
    {
        string path = PathOf("model.safetensors");
        var metadata = new Dictionary<string, string> { ["d_model"] = "8", ["note"] = "quotes \" and \\ and ünïcode", ["empty"] = "" };
        SafeTensors.Write(path, Sample(), metadata);
        var back = SafeTensors.Read(path);

        Assert.Equal(metadata, back.Metadata);
        Assert.Equal(Sample().Select(t => t.Name).Order(), back.Tensors.Keys.Order());
        foreach (var t in Sample())
        {
            var r = back.Tensors[t.Name];
            Assert.Equal(t.DType, r.DType);
            Assert.Equal(t.Shape, r.Shape);
            Assert.Equal(t.Bytes, r.Bytes);                       // bit-exact, NaN and −0 included
        }
        Assert.Equal(Doubles, back.Tensors["expect.ß-ünïcode"].ToDoubles());
        Assert.Equal(Longs, MemoryMarshalLongs(back.Tensors["ids"].Bytes));
        Assert.Equal([0, -1, int.MaxValue, 42], SafeTensor.FromLongs("x", [0, -1, int.MaxValue, 42], 4).ToInts());
        Assert.Equal(0, back.Tensors["empty"].Count);
        Assert.Equal(1, back.Tensors["scalar"].Count);
    }

    [Fact]
    public void Without_metadata_no_metadata_entry_is_written()
    {
        string path = PathOf("plain.safetensors");
        SafeTensors.Write(path, [SafeTensor.FromFloats("w", [1f, 2f], 2)]);
        using var header = JsonDocument.Parse(HeaderText(File.ReadAllBytes(path)));
        Assert.False(header.RootElement.TryGetProperty("__metadata__", out _));
        Assert.Empty(SafeTensors.Read(path).Metadata);
    }

    [Fact]
    public void Layout_is_a_length_prefixed_json_header_padded_to_eight_bytes_then_the_raw_data()
    {
        string path = PathOf("layout.safetensors");
        var tensors = Sample();
        SafeTensors.Write(path, tensors, new Dictionary<string, string> { ["k"] = "v" });
        byte[] file = File.ReadAllBytes(path);

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        Assert.Equal(0UL, headerLength % 8);                       // data starts 8-byte aligned
        int dataStart = 8 + (int)headerLength;
        Assert.Equal(file.Length - dataStart, tensors.Sum(t => t.Bytes.Length));

        // an independent reading of the header with System.Text.Json
        using var header = JsonDocument.Parse(HeaderText(file));
        Assert.Equal("v", header.RootElement.GetProperty("__metadata__").GetProperty("k").GetString());
        foreach (var t in tensors)
        {
            var entry = header.RootElement.GetProperty(t.Name);
            Assert.Equal(t.DType.ToString(), entry.GetProperty("dtype").GetString());
            Assert.Equal(t.Shape, entry.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
            var offsets = entry.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            Assert.Equal(t.Bytes.Length, offsets[1] - offsets[0]);
            Assert.Equal(t.Bytes, file.AsSpan(dataStart + (int)offsets[0], t.Bytes.Length).ToArray());
        }
        // little-endian IEEE values: 1.5f is 0x3FC00000
        var first = header.RootElement.GetProperty("layer.weight").GetProperty("data_offsets")[0].GetInt32();
        Assert.Equal(new byte[] { 0x00, 0x00, 0xC0, 0x3F }, file.AsSpan(dataStart + first, 4).ToArray());
    }

    [Fact]
    public void Reads_a_file_assembled_by_hand()
    {
        // tensors out of order in the data section, a header padded with spaces, no metadata
        byte[] a = new byte[8], b = new byte[12];
        BinaryPrimitives.WriteDoubleLittleEndian(a, -2.5);
        for (int i = 0; i < 3; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(4 * i), i + 0.5f);
        string json = "{\"b\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[8,20]},\"a\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[0,8]}}    ";
        string path = _dir.WriteBytes("hand.safetensors", Assemble(json, [.. a, .. b]));
        var c = SafeTensors.Read(path);
        Assert.Equal([-2.5], c.Tensors["a"].ToDoubles());
        Assert.Equal([0.5f, 1.5f, 2.5f], c.Tensors["b"].ToFloats());
        Assert.Equal([1, 1], c.Tensors["a"].Shape);
    }

    public static TheoryData<string, string> BadHeaders() => new()
    {
        { "bad json", "{\"a\": {" },
        { "json array", "[1, 2]" },
        { "json null", "null" },
        { "json string", "\"text\"" },
        { "unknown dtype", "{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}" },
        { "dtype not a string", "{\"a\":{\"dtype\":3,\"shape\":[2],\"data_offsets\":[0,8]}}" },
        { "missing shape", "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}" },
        { "missing offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}" },
        { "entry not an object", "{\"a\":[1,2]}" },
        { "offsets beyond the file", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}" },
        { "offsets not matching the shape", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,8]}}" },
        { "negative offset", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}" },
        { "reversed offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}" },
        { "negative dimensions", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1,-2],\"data_offsets\":[0,8]}}" },
        { "duplicate names", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}" },
        { "metadata not an object", "{\"__metadata__\":[1,2]}" },
        { "metadata value not a string", "{\"__metadata__\":{\"k\":3}}" },
    };

    [Theory, MemberData(nameof(BadHeaders))]
    public void Invalid_headers_are_user_errors_naming_the_file(string what, string json)
    {
        string path = _dir.WriteBytes(what.Replace(' ', '_') + ".safetensors", Assemble(json, new byte[8]));
        AssertUserError(path, () => SafeTensors.Read(path));
    }

    [Fact]
    public void Truncated_files_are_user_errors_naming_the_file()
    {
        string good = PathOf("good.safetensors");
        SafeTensors.Write(good, Sample());
        byte[] bytes = File.ReadAllBytes(good);
        foreach (int keep in new[] { 0, 5, 8, 20, bytes.Length - 1 })
        {
            string path = _dir.WriteBytes($"cut{keep}.safetensors", bytes[..keep]);
            AssertUserError(path, () => SafeTensors.Read(path));
        }
        // a header length far beyond the file (or beyond any int)
        var huge = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(huge, ulong.MaxValue - 3);
        string hugePath = _dir.WriteBytes("huge.safetensors", huge);
        AssertUserError(hugePath, () => SafeTensors.Read(hugePath));
    }

    [Fact]
    public void Missing_files_and_folders_are_user_errors_naming_the_path()
    {
        string missing = PathOf("missing.safetensors");
        AssertUserError(missing, () => SafeTensors.Read(missing));
        string inMissingFolder = PathOf(System.IO.Path.Combine("no-such-folder", "x.safetensors"));
        AssertUserError(inMissingFolder, () => SafeTensors.Read(inMissingFolder));
        AssertUserError(_dir.Path, () => SafeTensors.Read(_dir.Path));          // a folder, not a file
    }

    [Fact]
    public void A_write_that_fails_midway_leaves_the_existing_file_intact()
    {
        string path = PathOf("checkpoint.safetensors");
        SafeTensors.Write(path, Sample());
        byte[] before = File.ReadAllBytes(path);

        static IEnumerable<SafeTensor> Failing()
        {
            yield return SafeTensor.FromFloats("first", [1f], 1);
            throw new IOException("the producer failed");
        }
        Assert.Throws<IOException>(() => SafeTensors.Write(path, Failing()));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_dir.Path));                     // no temporary file left behind

        // the disk fills up halfway through the data: a one-line error naming the file, the target untouched
        using (Sharpformer.Tests.Reliability.FullDiskStream.Install(capacity: 100))
        {
            var e = Assert.Throws<UserInputException>(() => SafeTensors.Write(path, [SafeTensor.FromFloats("w", new float[1000], 1000)]));
            Assert.Contains(path, e.Message);
            Assert.Contains("No space left on device", e.Message);
        }
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_dir.Path));

        // and a successful write replaces it
        SafeTensors.Write(path, [SafeTensor.FromFloats("w", [4f], 1)]);
        Assert.Equal([4f], SafeTensors.Read(path).Tensors["w"].ToFloats());
        Assert.Equal([path], Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Writing_inconsistent_tensors_is_refused_before_the_file_is_touched()
    {
        string path = PathOf("kept.safetensors");
        SafeTensors.Write(path, Sample());
        byte[] before = File.ReadAllBytes(path);
        SafeTensor[][] bad =
        [
            [SafeTensor.FromFloats("w", [1f], 1), SafeTensor.FromFloats("w", [2f], 1)],          // a name twice
            [new SafeTensor("w", SafeTensorDType.F32, [3], new byte[8])],                       // bytes ≠ shape
            [new SafeTensor("w", SafeTensorDType.F64, [-1, -1], new byte[8])],                  // negative dimensions
            [SafeTensor.FromFloats("__metadata__", [1f], 1)],                                   // the reserved name
        ];
        foreach (var tensors in bad)
        {
            Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, tensors));
            Assert.Equal(before, File.ReadAllBytes(path));
        }
        Assert.Equal([path], Directory.GetFiles(_dir.Path));
    }

    private static void AssertUserError(string path, Action action)
    {
        var e = Assert.Throws<UserInputException>(action);
        Assert.Contains(path, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    private static byte[] Assemble(string json, byte[] data)
    {
        byte[] header = Encoding.UTF8.GetBytes(json);
        var file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }

    private static string HeaderText(byte[] file) =>
        Encoding.UTF8.GetString(file, 8, (int)BinaryPrimitives.ReadUInt64LittleEndian(file));

    private static long[] MemoryMarshalLongs(byte[] bytes)
    {
        var values = new long[bytes.Length / 8];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8 * i));
        return values;
    }
}
