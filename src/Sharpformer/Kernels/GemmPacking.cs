using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sharpformer.Kernels;

/// <summary>
/// Copies blocks of op(A) and op(B) into the panel layouts the micro-kernels stream through:
/// A as MR-row panels stored column by column (a[p·MR + r]), B as NR-column panels stored row by
/// row (b[p·NR + j]). Transposition and alpha are absorbed here; partial panels are zero-padded.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs rows × kc of op(A) starting at <paramref name="a"/> (element (i,p) is a[i·lda+p], or
    /// a[p·lda+i] when transposed) into ceil(rows/mr) panels of mr×kc, scaled by alpha.
    /// </summary>
    public static void PackA(bool trans, float* a, nint lda, int rows, int kc, float alpha, int mr, float* dest)
    {
        for (int i0 = 0; i0 < rows; i0 += mr, dest += (nint)mr * kc)
        {
            int h = Math.Min(mr, rows - i0);
            if (trans) PackATransposedPanel(a + i0, lda, h, kc, alpha, mr, dest);
            else PackAPanel(a + i0 * lda, lda, h, kc, alpha, mr, dest);
        }
    }

    private static void PackAPanel(float* a, nint lda, int h, int kc, float alpha, int mr, float* dest)
    {
        for (int r = 0; r < h; r++)
        {
            float* src = a + r * lda;
            float* d = dest + r;
            for (int p = 0; p < kc; p++, d += mr) *d = alpha * src[p];
        }
        for (int r = h; r < mr; r++)
            for (int p = 0; p < kc; p++) dest[p * mr + r] = 0;
    }

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

    private static void PackBTransposedPanel(float* b, nint ldb, int kc, int w, int nr, float* dest)
    {
        for (int j = 0; j < w; j++)
        {
            float* src = b + j * ldb;
            float* d = dest + j;
            for (int p = 0; p < kc; p++, d += nr) *d = src[p];
        }
        for (int j = w; j < nr; j++)
            for (int p = 0; p < kc; p++) dest[p * nr + j] = 0;
    }
}
