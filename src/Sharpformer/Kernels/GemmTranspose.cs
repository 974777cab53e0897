using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sharpformer.Kernels;

/// <summary>8×8 register transposes that let the packers turn rows into panel columns eight at a time.</summary>
internal static unsafe class GemmTranspose
{
    /// <summary>dst[c·ldd + r] = src[r·lds + c] for a rows×cols source; 8×8 blocks in registers, edges scalar.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transpose(float* src, nint lds, int rows, int cols, float* dst, nint ldd)
    {
        int r = 0;
        if (Avx.IsSupported)
        {
            for (; r + 8 <= rows; r += 8)
            {
                int c = 0;
                for (; c + 8 <= cols; c += 8)
                {
                    float* s = src + r * lds + c;
                    var v0 = Avx.LoadVector256(s);
                    var v1 = Avx.LoadVector256(s + lds);
                    var v2 = Avx.LoadVector256(s + 2 * lds);
                    var v3 = Avx.LoadVector256(s + 3 * lds);
                    var v4 = Avx.LoadVector256(s + 4 * lds);
                    var v5 = Avx.LoadVector256(s + 5 * lds);
                    var v6 = Avx.LoadVector256(s + 6 * lds);
                    var v7 = Avx.LoadVector256(s + 7 * lds);
                    Transpose8x8(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
                    float* d = dst + c * ldd + r;
                    Avx.Store(d, v0);
                    Avx.Store(d + ldd, v1);
                    Avx.Store(d + 2 * ldd, v2);
                    Avx.Store(d + 3 * ldd, v3);
                    Avx.Store(d + 4 * ldd, v4);
                    Avx.Store(d + 5 * ldd, v5);
                    Avx.Store(d + 6 * ldd, v6);
                    Avx.Store(d + 7 * ldd, v7);
                }
                for (; c < cols; c++)
                    for (int i = r; i < r + 8; i++) dst[c * ldd + i] = src[i * lds + c];
            }
        }
        for (; r < rows; r++)
            for (int c = 0; c < cols; c++) dst[c * ldd + r] = src[r * lds + c];
    }

    /// <summary>Transposes the 8×8 block whose rows are r0..r7, in place (afterwards rK holds column K).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose8x8(
        ref Vector256<float> r0, ref Vector256<float> r1, ref Vector256<float> r2, ref Vector256<float> r3,
        ref Vector256<float> r4, ref Vector256<float> r5, ref Vector256<float> r6, ref Vector256<float> r7)
    {
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        r0 = Avx.Permute2x128(u0, u4, 0x20); r1 = Avx.Permute2x128(u1, u5, 0x20);
        r2 = Avx.Permute2x128(u2, u6, 0x20); r3 = Avx.Permute2x128(u3, u7, 0x20);
        r4 = Avx.Permute2x128(u0, u4, 0x31); r5 = Avx.Permute2x128(u1, u5, 0x31);
        r6 = Avx.Permute2x128(u2, u6, 0x31); r7 = Avx.Permute2x128(u3, u7, 0x31);
    }
}
