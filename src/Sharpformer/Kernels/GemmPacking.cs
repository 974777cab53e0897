using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sharpformer.Kernels;

/// <summary>
/// Copies blocks of op(A) and op(B) into the panel layouts the micro-kernels stream through:
/// A as MR-row panels stored column by column (a[p·MR + r]), B as NR-column panels stored row by
/// row (b[p·NR + j]). Transposition and alpha are absorbed here; partial panels are zero-padded.
/// Hot loops are compiled fully optimised from the first call, so short runs never see tier-0 code.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs rows × kc of op(A) starting at <paramref name="a"/> (element (i,p) is a[i·lda+p], or
    /// a[p·lda+i] when transposed) into ceil(rows/mr) panels of mr×kc, scaled by alpha.
    /// </summary>
    public static void PackA(bool trans, float* a, nint lda, int rows, int kc, float alpha, int mr, float* dest)
    {
        if (trans && mr == 6 && Avx.IsSupported)
        {
            PackATransposedBlock6(a, lda, rows, kc, alpha, dest);
            return;
        }
        for (int i0 = 0; i0 < rows; i0 += mr, dest += (nint)mr * kc)
        {
            int h = Math.Min(mr, rows - i0);
            if (trans) PackATransposedPanel(a + i0, lda, h, kc, alpha, mr, dest);
            else PackAPanel(a + i0 * lda, lda, h, kc, alpha, mr, dest);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackAPanel(float* a, nint lda, int h, int kc, float alpha, int mr, float* dest)
    {
        if (mr == 6 && h == 6 && Avx.IsSupported)
        {
            PackAPanel6(a, lda, kc, alpha, dest);
            return;
        }
        for (int r = 0; r < h; r++)
        {
            float* src = a + r * lda;
            float* d = dest + r;
            for (int p = 0; p < kc; p++, d += mr) *d = alpha * src[p];
        }
        for (int r = h; r < mr; r++)
            for (int p = 0; p < kc; p++) dest[p * mr + r] = 0;
    }

    /// <summary>
    /// Six full rows, eight depths at a time: load 6×8, transpose in registers, store each column as
    /// 8 floats at a stride of 6 (each store's last two floats are overwritten by the next one; the
    /// final overrun lands in the next panel, packed later, or in the buffer's slack).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackAPanel6(float* a, nint lda, int kc, float alpha, float* dest)
    {
        var scale = Vector256.Create(alpha);
        var zero = Vector256<float>.Zero;
        int p = 0;
        for (; p + 8 <= kc; p += 8, dest += 48)
        {
            float* src = a + p;
            var r0 = Avx.LoadVector256(src) * scale;
            var r1 = Avx.LoadVector256(src + lda) * scale;
            var r2 = Avx.LoadVector256(src + 2 * lda) * scale;
            var r3 = Avx.LoadVector256(src + 3 * lda) * scale;
            var r4 = Avx.LoadVector256(src + 4 * lda) * scale;
            var r5 = Avx.LoadVector256(src + 5 * lda) * scale;
            var r6 = zero;
            var r7 = zero;
            GemmTranspose.Transpose8x8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
            Avx.Store(dest, r0);
            Avx.Store(dest + 6, r1);
            Avx.Store(dest + 12, r2);
            Avx.Store(dest + 18, r3);
            Avx.Store(dest + 24, r4);
            Avx.Store(dest + 30, r5);
            Avx.Store(dest + 36, r6);
            Avx.Store(dest + 42, r7);
        }
        for (; p < kc; p++, dest += 6)
            for (int r = 0; r < 6; r++) dest[r] = alpha * a[r * lda + p];
    }

    /// <summary>
    /// A transposed A has each depth p as a row. Eight panels (48 rows = 3 cache lines per depth) are
    /// filled together, so every source line is read once and fully used, while only eight
    /// destination lines are live: one panel at a time would re-read each line 2-3 times, and all
    /// panels at once would keep more lines live than an L1 set holds (panels are 6·kc floats apart).
    /// Stores are 8 floats wide; the 2 extra floats land on the next depth's slot, written
    /// afterwards, except at the last depth, which is masked.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackATransposedBlock6(float* a, nint lda, int rows, int kc, float alpha, float* dest)
    {
        const int GroupPanels = 8;
        var scale = Vector256.Create(alpha);
        var lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        var six = Vector256.LessThan(lanes, Vector256.Create(6)).AsSingle();
        nint panelStride = 6 * (nint)kc;
        int panels = (rows + 5) / 6;
        for (int q0 = 0; q0 < panels; q0 += GroupPanels)
        {
            int q1 = Math.Min(panels, q0 + GroupPanels);
            float* src = a;
            for (int p = 0; p < kc; p++, src += lda)
            {
                bool last = p == kc - 1;
                for (int q = q0; q < q1; q++)
                {
                    int i = 6 * q;
                    Vector256<float> v;
                    if (i + 8 <= rows) v = Avx.LoadVector256(src + i);
                    else
                    {
                        // Never read past row `rows` (it may be past the end of A); missing rows are zero.
                        var mask = Vector256.LessThan(lanes, Vector256.Create(Math.Min(6, rows - i))).AsSingle();
                        v = Avx.MaskLoad(src + i, mask);
                    }
                    v *= scale;
                    float* d = dest + q * panelStride + 6 * p;
                    if (last) Avx.MaskStore(d, six, v);
                    else Avx.Store(d, v);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackATransposedPanel(float* a, nint lda, int h, int kc, float alpha, int mr, float* dest)
    {
        for (int p = 0; p < kc; p++, a += lda, dest += mr)
        {
            int r = 0;
            for (; r < h; r++) dest[r] = alpha * a[r];
            for (; r < mr; r++) dest[r] = 0;
        }
    }

    /// <summary>
    /// Packs NR-column panels [panelStart, panelEnd) of a kc × cols block of op(B) starting at
    /// <paramref name="b"/> (element (p,j) is b[p·ldb+j], or b[j·ldb+p] when transposed).
    /// Panel q lands at dest + q·NR·kc.
    /// </summary>
    public static void PackB(bool trans, float* b, nint ldb, int kc, int cols, int nr, int panelStart, int panelEnd, float* dest)
    {
        for (int q = panelStart; q < panelEnd; q++)
        {
            int j0 = q * nr;
            int w = Math.Min(nr, cols - j0);
            float* d = dest + (nint)j0 * kc;
            if (trans) PackBTransposedPanel(b + j0 * ldb, ldb, kc, w, nr, d);
            else PackBPanel(b + j0, ldb, kc, w, nr, d);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackBPanel(float* b, nint ldb, int kc, int w, int nr, float* dest)
    {
        if (w == nr && nr % 8 == 0 && Vector256.IsHardwareAccelerated)
        {
            for (int p = 0; p < kc; p++, b += ldb, dest += nr)
                for (int j = 0; j < nr; j += 8)
                    Vector256.Store(Vector256.Load(b + j), dest + j);
            return;
        }
        for (int p = 0; p < kc; p++, b += ldb, dest += nr)
        {
            int j = 0;
            for (; j < w; j++) dest[j] = b[j];
            for (; j < nr; j++) dest[j] = 0;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackBTransposedPanel(float* b, nint ldb, int kc, int w, int nr, float* dest)
    {
        if (w == nr && nr % 8 == 0 && Avx.IsSupported)
        {
            PackBTransposedPanelBy8(b, ldb, kc, nr, dest);
            return;
        }
        for (int j = 0; j < w; j++)
        {
            float* src = b + j * ldb;
            float* d = dest + j;
            for (int p = 0; p < kc; p++, d += nr) *d = src[p];
        }
        for (int j = w; j < nr; j++)
            for (int p = 0; p < kc; p++) dest[p * nr + j] = 0;
    }

    /// <summary>A full panel of a transposed B: 8×8 blocks (8 columns j × 8 depths p) transposed in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackBTransposedPanelBy8(float* b, nint ldb, int kc, int nr, float* dest)
    {
        int p = 0;
        for (; p + 8 <= kc; p += 8)
        {
            for (int j = 0; j < nr; j += 8)
            {
                float* src = b + j * ldb + p;
                var r0 = Avx.LoadVector256(src);
                var r1 = Avx.LoadVector256(src + ldb);
                var r2 = Avx.LoadVector256(src + 2 * ldb);
                var r3 = Avx.LoadVector256(src + 3 * ldb);
                var r4 = Avx.LoadVector256(src + 4 * ldb);
                var r5 = Avx.LoadVector256(src + 5 * ldb);
                var r6 = Avx.LoadVector256(src + 6 * ldb);
                var r7 = Avx.LoadVector256(src + 7 * ldb);
                GemmTranspose.Transpose8x8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
                float* d = dest + p * nr + j;
                Avx.Store(d, r0);
                Avx.Store(d + nr, r1);
                Avx.Store(d + 2 * nr, r2);
                Avx.Store(d + 3 * nr, r3);
                Avx.Store(d + 4 * nr, r4);
                Avx.Store(d + 5 * nr, r5);
                Avx.Store(d + 6 * nr, r6);
                Avx.Store(d + 7 * nr, r7);
            }
        }
        for (; p < kc; p++)
            for (int j = 0; j < nr; j++) dest[p * nr + j] = b[j * ldb + p];
    }
}
