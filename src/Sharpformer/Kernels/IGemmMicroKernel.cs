namespace Sharpformer.Kernels;

/// <summary>
/// A register-blocked GEMM micro-kernel and the cache blocking that suits it. Implemented by
/// empty structs so the blocked driver is specialised (and the kernel inlined) per kernel.
/// </summary>
internal unsafe interface IGemmMicroKernel
{
    /// <summary>Rows of C per tile (rows of a packed A panel).</summary>
    static abstract int MR { get; }
    /// <summary>Columns of C per tile (columns of a packed B panel).</summary>
    static abstract int NR { get; }
    /// <summary>Depth of one packed block: a KC×NR B panel plus an MR×KC A panel should sit in L1.</summary>
    static abstract int KC { get; }
    /// <summary>Largest row count of a packed A block: MC×KC floats should sit in one core's L2.</summary>
    static abstract int MC { get; }
    /// <summary>Largest column count of a packed B block (KC×NC floats, shared through L3).</summary>
    static abstract int NC { get; }

    /// <summary>
    /// c[MR×NR] (row stride ldc) = Σ_p a[p·MR + r]·b[p·NR + j] + beta·c, where beta 0 means c is not read.
    /// a is a packed MR×kc panel, b a packed kc×NR panel.
    /// </summary>
    static abstract void Run(int kc, float* a, float* b, float* c, nint ldc, float beta);
}
