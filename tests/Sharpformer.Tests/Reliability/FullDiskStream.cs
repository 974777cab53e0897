using Sharpformer.IO;

namespace Sharpformer.Tests.Reliability;

/// <summary>A stream that accepts <c>capacity</c> bytes and then fails like a full disk (ENOSPC).</summary>
internal sealed class FullDiskStream(Stream inner, long capacity) : Stream
{
    private long _written;

    /// <summary>Makes every durable write of the calling test fail after <paramref name="capacity"/> bytes, until disposed.</summary>
    public static IDisposable Install(long capacity)
    {
        DurableFile.Faults.WrapStream.Value = s => new FullDiskStream(s, capacity);
        return new Reset(() => DurableFile.Faults.WrapStream.Value = null);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        long room = capacity - _written;
        if (buffer.Length > room)
        {
            inner.Write(buffer[..(int)Math.Max(0, room)]);
            _written = capacity;
            throw new IOException("No space left on device");
        }
        inner.Write(buffer);
        _written += buffer.Length;
    }

    public override void WriteByte(byte value) => Write([value]);
    public override void Flush() => inner.Flush();
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _written;
    public override long Position { get => _written; set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    private sealed class Reset(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
