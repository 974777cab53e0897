using System.Runtime.InteropServices;

namespace Sharpformer.IO;

/// <summary>
/// The two things .NET cannot do about files: tell a regular file from a device, FIFO or socket
/// before opening it (opening a FIFO blocks until a writer appears, and /dev/zero never ends), and
/// fsync a directory (so a rename survives a power cut). Both go to libc on Linux and macOS.
/// </summary>
internal static unsafe partial class NativeFile
{
    /// <summary>What a path leads to once every symbolic link is followed.</summary>
    internal enum Kind { Missing, RegularFile, Directory, Other }

    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1, StatxSize = 0x200;
    private const int ModeOffset = 28, SizeOffset = 40, StatxBufferSize = 256; // struct statx is the same on every Linux architecture
    private const int SIfmt = 0xF000, SIfreg = 0x8000, SIfdir = 0x4000;
    private const int Enoent = 2, Enotdir = 20, Einval = 22, Eloop = 40;

    /// <summary>
    /// The kind and length of what <paramref name="path"/> resolves to. On Linux this is statx, which
    /// follows links and never opens the file; elsewhere a managed approximation that cannot see
    /// devices and FIFOs (reads are still bounded by the reported length, which is 0 for those).
    /// </summary>
    internal static (Kind Kind, long Length) Inspect(string path)
    {
        if (path.Contains('\0')) throw new UserInputException($"{path.Replace('\0', '?')}: not a valid path (it contains a NUL character)");
        if (OperatingSystem.IsLinux())
        {
            try
            {
                byte* buffer = stackalloc byte[StatxBufferSize];
                if (Statx(AtFdCwd, path, 0, StatxType | StatxSize, buffer) != 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno is Enoent or Enotdir) return (Kind.Missing, 0);
                    if (errno == Eloop) return (Kind.Other, 0);                  // a loop of links leads to no file
                    throw new UserInputException($"{path}: cannot be inspected ({Marshal.GetPInvokeErrorMessage(errno)})");
                }
                int mode = *(ushort*)(buffer + ModeOffset) & SIfmt;
                long size = *(long*)(buffer + SizeOffset);
                return (mode == SIfreg ? Kind.RegularFile : mode == SIfdir ? Kind.Directory : Kind.Other, size);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { /* a libc without statx: fall through */ }
        }
        FileSystemInfo info = new FileInfo(path);
        if (info.LinkTarget != null)
        {
            try { info = info.ResolveLinkTarget(returnFinalTarget: true) ?? info; }
            catch (IOException) { return (Kind.Missing, 0); }                       // a loop of links
        }
        if (Directory.Exists(info.FullName)) return (Kind.Directory, 0);
        return File.Exists(info.FullName) ? (Kind.RegularFile, new FileInfo(info.FullName).Length) : (Kind.Missing, 0);
    }

    /// <summary>
    /// Makes the entries of <paramref name="directory"/> (a file just renamed into it) durable.
    /// A no-op where there is no such call; a file system that cannot sync directories (EINVAL) is accepted.
    /// </summary>
    internal static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        int fd;
        try { fd = Open(directory, 0 /* O_RDONLY */); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return; }
        if (fd < 0) throw Failure(directory, "cannot be opened to sync it");
        try
        {
            if (Fsync(fd) != 0 && Marshal.GetLastPInvokeError() != Einval) throw Failure(directory, "cannot be synced to disk");
        }
        finally { Close(fd); }
    }

    private static UserInputException Failure(string directory, string what) =>
        new($"{directory}: {what} ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())})");

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
