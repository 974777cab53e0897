using System.Buffers.Binary;
using Sharpformer.IO;
using Sharpformer.Tests.Text;
using static Sharpformer.Tests.IO.SafeTensorsBytes;

namespace Sharpformer.Tests.IO;

/// <summary>
/// Files that break one rule of the safetensors format each, built byte by byte. The reader must
/// refuse every one with a single line that names the file and the broken rule, and never hand back
/// tensors that alias, skip or invent bytes.
/// </summary>
public sealed class SafeTensorsHostileFileTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string, string, int, string> LayoutViolations() => new()
    {
        // what, header, data bytes, a word the message must contain
        { "overlap", Header(Entry("a", "F32", "2", "0", "8"), Entry("b", "F32", "2", "4", "12")), 12, "overlap" },
        { "same bytes twice", Header(Entry("a", "F32", "2", "0", "8"), Entry("b", "F32", "2", "0", "8")), 8, "overlap" },
        { "hole", Header(Entry("a", "F32", "1", "0", "4"), Entry("b", "F32", "1", "8", "12")), 12, "unreferenced" },
        { "bytes before the data", Header(Entry("a", "F32", "1", "4", "8")), 8, "unreferenced" },
        { "bytes after the data", Header(Entry("a", "F32", "1", "0", "4")), 8, "unreferenced" },
        { "data but no tensors", "{}", 4, "unreferenced" },
        { "offset near 2^63", Header(Entry("a", "F32", "1", "9223372036854775800", "9223372036854775804")), 8, "data_offsets" },
        { "end just below 2^63", Header(Entry("a", "F32", "1", "9223372036854775803", "9223372036854775807")), 8, "data_offsets" },
        { "offset beyond 2^63", Header(Entry("a", "F32", "1", "9223372036854775808", "9223372036854775812")), 8, "data_offsets" },
        { "offset beyond 2^64", Header(Entry("a", "F32", "1", "18446744073709551620", "18446744073709551624")), 8, "data_offsets" },
        { "three offsets", Header(Entry("a", "F32", "1", "0", "4,8")), 8, "data_offsets" },
        { "fractional offset", Header(Entry("a", "F32", "1", "0", "4.0")), 4, "data_offsets" },
        { "dimension beyond int", Header(Entry("a", "F32", "3000000000", "0", "12000000000")), 8, "shape" },
        { "element count overflows", Header(Entry("a", "F64", "2147483647,2147483647,2147483647", "0", "8")), 8, "shape" },
        { "fractional dimension", Header(Entry("a", "F32", "1.5", "0", "4")), 4, "shape" },
        { "header not starting with a brace", " " + Header(Entry("a", "F32", "1", "0", "4")), 4, "{" },
    };

    [Theory, MemberData(nameof(LayoutViolations))]
    public void Layout_violations_are_refused_naming_the_file_and_the_rule(string what, string json, int dataBytes, string word)
    {
        string path = _dir.WriteBytes(what.Replace(' ', '_').Replace('^', 'p') + ".safetensors", Assemble(json, new byte[dataBytes]));
        var e = AssertUserError(path, () => SafeTensors.Read(path));
        Assert.Contains(word, e.Message);
        AssertUserError(path, () => SafeTensors.Parse(File.ReadAllBytes(path), path));   // the in-memory parser applies the same rules
    }

    [Fact]
    public void Header_that_is_not_valid_utf8_is_refused()
    {
        byte[] header = [.. "{\"a"u8, 0xFF, 0xFE, .. "\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"u8];
        string path = _dir.WriteBytes("latin1.safetensors", Assemble(header, new byte[4]));
        AssertUserError(path, () => SafeTensors.Read(path));
    }

    [Fact]
    public void A_tensor_name_with_a_newline_still_gives_a_one_line_message()
    {
        string json = Header(Entry("a\\nb", "F16", "1", "0", "2"));
        string path = _dir.WriteBytes("newline.safetensors", Assemble(json, new byte[2]));
        var e = AssertUserError(path, () => SafeTensors.Read(path));
        Assert.Contains("F16", e.Message);
    }

    [Fact]
    public void A_header_length_over_100_MB_is_refused_before_the_header_is_read()
    {
        // a sparse 120 MB file whose header claims 110 MB: within the file, but over the format's limit
        string path = System.IO.Path.Combine(_dir.Path, "huge-header.safetensors");
        using (var fs = new FileStream(path, FileMode.CreateNew))
        {
            var len = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, 110_000_000);
            fs.Write(len);
            fs.SetLength(120_000_000);
        }
        var e = AssertUserError(path, () => SafeTensors.Read(path));
        Assert.Contains("100 MB", e.Message);
    }

    [Fact]
    public void Header_length_beyond_the_file_is_refused()
    {
        byte[] file = Assemble(Header(Entry("a", "F32", "1", "0", "4")), new byte[4]);
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)file.Length);      // one past what is there
        string path = _dir.WriteBytes("long-header.safetensors", file);
        var e = AssertUserError(path, () => SafeTensors.Read(path));
        Assert.Contains("header length", e.Message);
    }

    [Fact]
    public void Valid_edge_cases_are_accepted()
    {
        // no tensors at all; zero-size tensors sharing an offset with their neighbour; a header padded with spaces
        string empty = _dir.WriteBytes("empty.safetensors", Assemble("{}", []));
        Assert.Empty(SafeTensors.Read(empty).Tensors);
        string json = Header(Entry("z0", "F32", "0", "0", "0"), Entry("a", "F32", "1", "0", "4"), Entry("z1", "F64", "3,0", "4", "4"),
            Entry("b", "I64", "1", "4", "12")) + "       ";
        string path = _dir.WriteBytes("edges.safetensors", Assemble(json, new byte[12]));
        var c = SafeTensors.Read(path);
        Assert.Equal(["z0", "a", "z1", "b"], c.Tensors.Keys);
        Assert.Equal(0, c.Tensors["z1"].Count);
    }

    [Fact]
    public void Non_finite_values_are_refused_on_request_naming_the_tensor()
    {
        string path = System.IO.Path.Combine(_dir.Path, "nan.safetensors");
        foreach (var (bad, name) in new[] { (float.NaN, "NaN"), (float.PositiveInfinity, "infinity"), (float.NegativeInfinity, "infinity") })
        {
            SafeTensors.Write(path, [SafeTensor.FromFloats("fine", [3e38f], 1), SafeTensor.FromFloats("w.bad", [1f, 2f, bad], 3)]);
            var e = AssertUserError(path, () => SafeTensors.Read(path, requireFinite: true));
            Assert.Contains("'w.bad'", e.Message);
            Assert.Contains(name, e.Message);
            Assert.Contains("index 2", e.Message);
            Assert.Equal(3, SafeTensors.Read(path).Tensors["w.bad"].Count);                 // only on request: bit-exact otherwise
        }
        SafeTensors.Write(path, [SafeTensor.FromDoubles("d", [1.0, double.NaN], 2)]);
        Assert.Contains("'d'", AssertUserError(path, () => SafeTensors.Read(path, requireFinite: true)).Message);

        // large but finite values, and integers, are valid
        SafeTensors.Write(path, [SafeTensor.FromFloats("big", [3e38f, float.MaxValue, -float.MaxValue, float.Epsilon], 4),
            SafeTensor.FromDoubles("bigd", [double.MaxValue, 3e38], 2), SafeTensor.FromLongs("ids", [long.MaxValue], 1)]);
        Assert.Equal(3e38f, SafeTensors.Read(path, requireFinite: true).Tensors["big"].ToFloats()[0]);
    }

    [Fact]
    public async Task A_link_to_dev_zero_is_refused_fast()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        string link = System.IO.Path.Combine(_dir.Path, "zero.safetensors");
        File.CreateSymbolicLink(link, "/dev/zero");
        var read = Task.Run(() => SafeTensors.Read(link));
        Assert.True(await Finishes(read), "reading a link to /dev/zero did not return within 10 s");
        var e = Assert.IsType<UserInputException>(read.Exception?.InnerException);
        Assert.Contains(link, e.Message);
        Assert.Contains("not a regular file", e.Message);
    }

    [Fact]
    public async Task A_fifo_is_refused_without_waiting_for_a_writer()
    {
        if (!OperatingSystem.IsLinux()) return;
        string fifo = System.IO.Path.Combine(_dir.Path, "pipe.safetensors");
        using (var mk = System.Diagnostics.Process.Start("mkfifo", [fifo])) await mk.WaitForExitAsync();
        var read = Task.Run(() => SafeTensors.Read(fifo));
        bool done = await Finishes(read);
        if (!done) using (new FileStream(fifo, FileMode.Open, FileAccess.Write)) { }          // release the blocked reader
        Assert.True(done, "reading a FIFO blocked");
        var e = Assert.IsType<UserInputException>(read.Exception?.InnerException);
        Assert.Contains("not a regular file", e.Message);
    }

    [Fact]
    public void A_link_to_a_valid_file_is_read_through()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        string target = System.IO.Path.Combine(_dir.Path, "real.safetensors");
        SafeTensors.Write(target, [SafeTensor.FromFloats("w", [1f, 2f], 2)]);
        string link = System.IO.Path.Combine(_dir.Path, "link.safetensors");
        File.CreateSymbolicLink(link, target);
        Assert.Equal([1f, 2f], SafeTensors.Read(link).Tensors["w"].ToFloats());
    }

    [Fact]
    public void A_folder_is_refused_naming_it()
    {
        string folder = System.IO.Path.Combine(_dir.Path, "model.safetensors");
        Directory.CreateDirectory(folder);
        Assert.Contains("folder", AssertUserError(folder, () => SafeTensors.Read(folder)).Message);
    }

    private static async Task<bool> Finishes(Task task) => await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(10))) == task;

    internal static UserInputException AssertUserError(string path, Action action)
    {
        var e = Assert.Throws<UserInputException>(action);
        Assert.Contains(path, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }
}
