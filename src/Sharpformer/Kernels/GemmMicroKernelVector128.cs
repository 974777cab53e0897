using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sharpformer.Kernels;

/// <summary>
/// Portable 128-bit 6×8 micro-kernel (SSE/AVX on x64, AdvSimd on ARM): 12 accumulators, fused
/// multiply-add where the hardware has it, plain multiply+add otherwise.
/// </summary>
internal unsafe struct GemmMicroKernelVector128 : IGemmMicroKernel
{
    public static int MR => 6;
    public static int NR => 8;
    public static int KC => 256;
    public static int MC => 120;
    public static int NC => 4096;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, float* c, nint ldc, float beta)
    {
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector128<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector128<float> b0 = Vector128.LoadAligned(b);
            Vector128<float> b1 = Vector128.LoadAligned(b + 4);
            Vector128<float> ai = Vector128.Create(a[0]);
            c00 = Vector128.MultiplyAddEstimate(ai, b0, c00); c01 = Vector128.MultiplyAddEstimate(ai, b1, c01);
            ai = Vector128.Create(a[1]);
            c10 = Vector128.MultiplyAddEstimate(ai, b0, c10); c11 = Vector128.MultiplyAddEstimate(ai, b1, c11);
            ai = Vector128.Create(a[2]);
            c20 = Vector128.MultiplyAddEstimate(ai, b0, c20); c21 = Vector128.MultiplyAddEstimate(ai, b1, c21);
            ai = Vector128.Create(a[3]);
            c30 = Vector128.MultiplyAddEstimate(ai, b0, c30); c31 = Vector128.MultiplyAddEstimate(ai, b1, c31);
            ai = Vector128.Create(a[4]);
            c40 = Vector128.MultiplyAddEstimate(ai, b0, c40); c41 = Vector128.MultiplyAddEstimate(ai, b1, c41);
            ai = Vector128.Create(a[5]);
            c50 = Vector128.MultiplyAddEstimate(ai, b0, c50); c51 = Vector128.MultiplyAddEstimate(ai, b1, c51);
            a += 6;
            b += 8;
        }
        Store(c, c00, c01, beta); c += ldc;
        Store(c, c10, c11, beta); c += ldc;
        Store(c, c20, c21, beta); c += ldc;
        Store(c, c30, c31, beta); c += ldc;
        Store(c, c40, c41, beta); c += ldc;
        Store(c, c50, c51, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector128<float> v0, Vector128<float> v1, float beta)
    {
        if (beta == 0)
        {
            Vector128.Store(v0, c);
            Vector128.Store(v1, c + 4);
        }
        else if (beta == 1)
        {
            Vector128.Store(v0 + Vector128.Load(c), c);
            Vector128.Store(v1 + Vector128.Load(c + 4), c + 4);
        }
        else
        {
            var vb = Vector128.Create(beta);
            Vector128.Store(Vector128.MultiplyAddEstimate(vb, Vector128.Load(c), v0), c);
            Vector128.Store(Vector128.MultiplyAddEstimate(vb, Vector128.Load(c + 4), v1), c + 4);
        }
    }
}
