using System.Runtime.InteropServices;

namespace Sharpformer.Kernels;

/// <summary>
/// Per-thread, 64-byte aligned packing buffers that grow on demand and are reused across GEMM
/// calls, so steady-state calls allocate nothing. Memory is released when the owning thread dies.
/// </summary>
internal static unsafe class GemmBuffers
{
    /// <summary>Extra floats past every request, so vector packers may overrun a panel's end.</summary>
    private const int Slack = 64;

    [ThreadStatic] private static Buffer? _packedA;
    [ThreadStatic] private static Buffer? _packedB;

    /// <summary>This thread's buffer for one packed A block (used only by the thread itself).</summary>
    public static float* PackedA(long floats) => (_packedA ??= new Buffer()).Ensure(floats);

    /// <summary>This thread's buffer for a packed B block, which the pool threads of its GEMM call read.</summary>
    public static float* PackedB(long floats) => (_packedB ??= new Buffer()).Ensure(floats);

    private sealed class Buffer
    {
        private float* _data;
        private long _capacity;

        public float* Ensure(long floats)
        {
            if (floats > _capacity)
            {
                NativeMemory.AlignedFree(_data);
                _data = null;
                _capacity = 0;
                _data = (float*)NativeMemory.AlignedAlloc((nuint)((floats + Slack) * sizeof(float)), 64);
                _capacity = floats;
            }
            return _data;
        }

        ~Buffer() => NativeMemory.AlignedFree(_data);
    }
}
