using System.Runtime.InteropServices;
using System.Text;

namespace Sharpformer.Tests.Reliability.Fuzz;

/// <summary>One deterministic way to damage a file or folder, applied to a copy: its name says what it did.</summary>
internal sealed record Mutation(string Name, Action<string> Apply)
{
    public override string ToString() => Name;
}

/// <summary>
/// The mutations the fuzz tests apply, each family generated from a seed so that every run tries the same
/// cases: truncations, bit flips, appended and replaced bytes, lying safetensors headers, edited JSON values,
/// damaged text lines, and wrong kinds of file system entry (a folder, a FIFO, a link to /dev/zero, …).
/// </summary>
internal static partial class Mutations
{
    public static IEnumerable<Mutation> Truncations(int count, int seed, long length)
    {
        var fixedCuts = new long[] { 0, 1, 7, 8, 9, 16, length / 2, length - 1 };
        var random = new Random(seed);
        return fixedCuts.Concat(Enumerable.Range(0, Math.Max(0, count - fixedCuts.Length)).Select(_ => random.NextInt64(0, Math.Max(1, length))))
            .Where(n => n >= 0 && n < length).Distinct().Take(count)
            .Select(n => new Mutation($"truncated to {n} bytes", path => { using var f = new FileStream(path, FileMode.Open); f.SetLength(n); }));
    }

    /// <summary>Flips <paramref name="bits"/> random bits at positions in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public static IEnumerable<Mutation> BitFlips(int count, int seed, long from, long to, int bits = 1)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            var flips = Enumerable.Range(0, bits).Select(_ => (Position: random.NextInt64(from, to), Bit: random.Next(8))).ToArray();
            yield return new Mutation($"{bits} bit(s) flipped at {string.Join(",", flips.Select(f => $"{f.Position}:{f.Bit}"))}", path =>
            {
                byte[] bytes = File.ReadAllBytes(path);
                foreach (var (position, bit) in flips) if (position < bytes.Length) bytes[position] ^= (byte)(1 << bit);
                File.WriteAllBytes(path, bytes);
            });
        }
    }

    public static IEnumerable<Mutation> Appends(int count, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            var extra = new byte[random.Next(1, 4096)];
            random.NextBytes(extra);
            yield return new Mutation($"{extra.Length} random bytes appended", path => { using var f = new FileStream(path, FileMode.Append); f.Write(extra); });
        }
        yield return new Mutation("replaced by random bytes of the same length", path =>
        {
            var bytes = new byte[new FileInfo(path).Length];
            new Random(seed).NextBytes(bytes);
            File.WriteAllBytes(path, bytes);
        });
        yield return new Mutation("replaced by a copy of itself twice", path => File.WriteAllBytes(path, [.. File.ReadAllBytes(path), .. File.ReadAllBytes(path)]));
    }

    /// <summary>The path replaced by something that is not the regular file (or folder) expected there.</summary>
    public static IEnumerable<Mutation> WrongKinds()
    {
        yield return new Mutation("deleted", Delete);
        yield return new Mutation("an empty file", path => { Delete(path); File.WriteAllBytes(path, []); });
        yield return new Mutation("a folder", path => { Delete(path); Directory.CreateDirectory(path); });
        yield return new Mutation("a folder holding a file", path => { Delete(path); Directory.CreateDirectory(path); File.WriteAllText(Path.Combine(path, "x"), "x"); });
        yield return new Mutation("a FIFO with no writer", path => { Delete(path); MakeFifo(path); });
        yield return new Mutation("a link to /dev/zero", path => { Delete(path); File.CreateSymbolicLink(path, "/dev/zero"); });
        yield return new Mutation("a link to /dev/urandom", path => { Delete(path); File.CreateSymbolicLink(path, "/dev/urandom"); });
        yield return new Mutation("a dangling link", path => { Delete(path); File.CreateSymbolicLink(path, path + ".nowhere"); });
        yield return new Mutation("a link to itself", path => { Delete(path); File.CreateSymbolicLink(path, path); });
        yield return new Mutation("a link to the root folder", path => { Delete(path); File.CreateSymbolicLink(path, "/"); });
    }

    /// <summary>Wrong kinds for a place where a folder belongs.</summary>
    public static IEnumerable<Mutation> WrongFolderKinds()
    {
        yield return new Mutation("folder deleted", Delete);
        yield return new Mutation("folder emptied", path => { Delete(path); Directory.CreateDirectory(path); });
        yield return new Mutation("a file instead of the folder", path => { Delete(path); File.WriteAllText(path, "not a folder"); });
        yield return new Mutation("a FIFO instead of the folder", path => { Delete(path); MakeFifo(path); });
        yield return new Mutation("a link to /dev/zero instead of the folder", path => { Delete(path); File.CreateSymbolicLink(path, "/dev/zero"); });
    }

    public static void Delete(string path)
    {
        if (new FileInfo(path).LinkTarget != null || File.Exists(path)) File.Delete(path);
        else if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
    }

    public static void MakeFifo(string path)
    {
        if (Mkfifo(path, 0x1B6) != 0) throw new IOException($"mkfifo {path} failed ({Marshal.GetLastPInvokeError()})");
        Fifos.Add(path);
    }

    private static readonly System.Collections.Concurrent.ConcurrentBag<string> Fifos = [];

    /// <summary>Opens and closes each FIFO made so far for writing, releasing a reader stuck on one (after a case that hung).</summary>
    public static void ReleaseFifos()
    {
        foreach (string path in Fifos)
        {
            int fd = Open(path, 0x1 | 0x800);                                      // O_WRONLY | O_NONBLOCK: fails at once when nobody reads
            if (fd >= 0) Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Mkfifo(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    internal static byte[] Utf8(string text) => new UTF8Encoding(false).GetBytes(text);
}
