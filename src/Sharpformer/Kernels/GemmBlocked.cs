using System.Runtime.CompilerServices;

namespace Sharpformer.Kernels;

/// <summary>
/// The GotoBLAS/BLIS loop nest around one micro-kernel: for each NC-wide column block and each
/// KC-deep slice, B is packed once (shared by all threads, read through L3), then the rows are cut
/// into MC-row blocks; each block is a pool task that packs its own A into the thread's buffer
/// (L2) and sweeps it against every B panel (L1). Every element of C is owned by one task, and its
/// k-sum is accumulated in the same order whatever the thread count.
/// </summary>
internal static unsafe class GemmBlocked<TKernel> where TKernel : struct, IGemmMicroKernel
{
    public static void Run(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc, int threads)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        // Even slices: k = 257 becomes 129 + 128 rather than 256 + 1.
        int kSlices = CeilDiv(k, TKernel.KC);
        int kcMax = CeilDiv(k, kSlices);
        int ncMax = Math.Min(TKernel.NC, RoundUp(n, nr));
        var plan = PlanRows(m, ncMax, threads);
        int rowPanels = CeilDiv(m, mr);

        float* packedB = GemmBuffers.PackedB((long)kcMax * RoundUp(ncMax, nr));
        var pack = new PackBTask { TransB = transB, Ldb = ldb, Nr = nr, Dest = packedB };
        var compute = new ComputeTask
        {
            TransA = transA, A = a, Lda = lda, Alpha = alpha, C = c, Ldc = ldc, PackedB = packedB,
            M = m, RowPanels = rowPanels, Blocks = plan.Blocks, Chunks = plan.Chunks,
        };

        for (int jc = 0; jc < n; jc += ncMax)
        {
            int nc = Math.Min(ncMax, n - jc);
            int panels = CeilDiv(nc, nr);
            for (int pc = 0; pc < k; pc += kcMax)
            {
                int kc = Math.Min(kcMax, k - pc);
                pack.B = transB ? b + jc * ldb + pc : b + pc * ldb + jc;
                pack.Kc = kc;
                pack.Cols = nc;
                pack.PanelsPerTask = threads > 1 ? CeilDiv(panels, threads) : panels;
                pack.Panels = panels;
                ComputePool.For(CeilDiv(panels, pack.PanelsPerTask), ref pack);

                compute.Jc = jc;
                compute.Pc = pc;
                compute.Kc = kc;
                compute.Nc = nc;
                compute.PanelsPerChunk = CeilDiv(panels, plan.Chunks);
                compute.Beta = pc == 0 ? beta : 1f;
                int tasks = plan.Blocks * plan.Chunks;
                if (threads > 1) ComputePool.For(tasks, ref compute);
                else for (int t = 0; t < tasks; t++) compute.Run(t);
            }
        }
    }

    /// <summary>
    /// How many row blocks (each at most about MC rows, a whole number of MR panels, sizes differing
    /// by at most one panel) and how many column chunks per block, so the tasks split evenly over the threads.
    /// </summary>
    private static (int Blocks, int Chunks) PlanRows(int m, int nc, int threads)
    {
        int blocks = CeilDiv(m, TKernel.MC);
        if (threads == 1) return (blocks, 1);
        if (CeilDiv(m, TKernel.MR) >= 4 * threads) return (RoundUp(blocks, threads), 1);
        // Few rows (e.g. a handful of decoder positions): split the columns instead.
        return (blocks, Math.Min(threads, CeilDiv(nc, TKernel.NR)));
    }

    private struct PackBTask : IComputeTask
    {
        public bool TransB;
        public float* B, Dest;
        public nint Ldb;
        public int Kc, Cols, Nr, Panels, PanelsPerTask;

        public void Run(int index)
        {
            int start = index * PanelsPerTask;
            GemmPacking.PackB(TransB, B, Ldb, Kc, Cols, Nr, start, Math.Min(Panels, start + PanelsPerTask), Dest);
        }
    }

    private struct ComputeTask : IComputeTask
    {
        public bool TransA;
        public float* A, C, PackedB;
        public nint Lda, Ldc;
        public float Alpha, Beta;
        public int M, RowPanels, Blocks, Chunks, PanelsPerChunk, Jc, Pc, Kc, Nc;

        public void Run(int index)
        {
            int nr = TKernel.NR;
            int block = index / Chunks;
            int ic = (int)((long)block * RowPanels / Blocks) * TKernel.MR;
            int mc = Math.Min(M, (int)((long)(block + 1) * RowPanels / Blocks) * TKernel.MR) - ic;
            int j0 = index % Chunks * PanelsPerChunk * nr;
            if (j0 >= Nc) return;
            int cols = Math.Min(PanelsPerChunk * nr, Nc - j0);

            float* packedA = GemmBuffers.PackedA((long)RoundUp(mc, TKernel.MR) * Kc);
            float* aBlock = TransA ? A + Pc * Lda + ic : A + ic * Lda + Pc;
            GemmPacking.PackA(TransA, aBlock, Lda, mc, Kc, Alpha, TKernel.MR, packedA);
            Macro(packedA, PackedB + (nint)j0 * Kc, mc, cols, Kc, C + ic * Ldc + Jc + j0, Ldc, Beta);
        }
    }

    /// <summary>Sweeps an mc×kc packed A block against kc×cols of packed B into C; edge tiles go through a scratch tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Macro(float* packedA, float* packedB, int mc, int cols, int kc, float* c, nint ldc, float beta)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        float* edge = stackalloc float[mr * nr];
        for (int jr = 0; jr < cols; jr += nr)
        {
            int w = Math.Min(nr, cols - jr);
            float* bPanel = packedB + (nint)jr * kc;
            for (int ir = 0; ir < mc; ir += mr)
            {
                int h = Math.Min(mr, mc - ir);
                float* aPanel = packedA + (nint)ir * kc;
                float* cTile = c + ir * ldc + jr;
                if (h == mr && w == nr)
                {
                    TKernel.Run(kc, aPanel, bPanel, cTile, ldc, beta);
                    continue;
                }
                TKernel.Run(kc, aPanel, bPanel, edge, nr, 0f);
                for (int r = 0; r < h; r++)
                {
                    float* src = edge + r * nr;
                    float* dst = cTile + r * ldc;
                    if (beta == 0) for (int j = 0; j < w; j++) dst[j] = src[j];
                    else if (beta == 1) for (int j = 0; j < w; j++) dst[j] += src[j];
                    else for (int j = 0; j < w; j++) dst[j] = MathF.FusedMultiplyAdd(beta, dst[j], src[j]);
                }
            }
        }
    }

    private static int CeilDiv(int x, int y) => (x + y - 1) / y;
    private static int RoundUp(int x, int y) => CeilDiv(x, y) * y;
}
