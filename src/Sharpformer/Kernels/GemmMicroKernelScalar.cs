using System.Runtime.CompilerServices;

namespace Sharpformer.Kernels;

/// <summary>Scalar 4×4 micro-kernel: 16 accumulators in registers; the fallback for any CPU.</summary>
internal unsafe struct GemmMicroKernelScalar : IGemmMicroKernel
{
    public static int MR => 4;
    public static int NR => 4;
    public static int KC => 256;
    public static int MC => 128;
    public static int NC => 4096;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, float* c, nint ldc, float beta)
    {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int p = 0; p < kc; p++)
        {
            float b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            float a0 = a[0];
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
            float a1 = a[1];
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
            float a2 = a[2];
            c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
            float a3 = a[3];
            c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            a += 4;
            b += 4;
        }
        Store(c, c00, c01, c02, c03, beta); c += ldc;
        Store(c, c10, c11, c12, c13, beta); c += ldc;
        Store(c, c20, c21, c22, c23, beta); c += ldc;
        Store(c, c30, c31, c32, c33, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, float v0, float v1, float v2, float v3, float beta)
    {
        if (beta == 0) { c[0] = v0; c[1] = v1; c[2] = v2; c[3] = v3; }
        else { c[0] = v0 + beta * c[0]; c[1] = v1 + beta * c[1]; c[2] = v2 + beta * c[2]; c[3] = v3 + beta * c[3]; }
    }
}
