namespace Sharpformer.Benchmarks;

/// <summary>
/// One GEMM shape to time: C[m×n] = op(A)·op(B) with op(A) m×k and op(B) k×n, repeated
/// <see cref="Batch"/> times on independent slices (used for per-head attention products).
/// </summary>
public sealed record GemmShape(string Name, bool TransA, bool TransB, int M, int N, int K, int Batch = 1)
{
    /// <summary>Floating-point operations of one timed call (2 per multiply-add).</summary>
    public double Flops => 2.0 * M * N * K * Batch;
}

/// <summary>The shapes the GEMM benchmark times by default.</summary>
public static class GemmBenchmarkShapes
{
    /// <summary>The square 1024³ product, the usual yardstick against BLAS libraries.</summary>
    public static GemmShape Square1024 { get; } = new("square 1024^3", false, false, 1024, 1024, 1024);

    /// <summary>
    /// Every distinct GEMM of one ref-small training step (d=256, h=4, d_ff=1024, V=8000 tied,
    /// 64 sequences × 24 tokens = 1536 rows per side). Linear layers store W as [out, in], so the
    /// forward product is x·Wᵀ, the input gradient dY·W and the weight gradient dYᵀ·X.
    /// </summary>
    public static IReadOnlyList<GemmShape> RefSmallStep()
    {
        const int rows = 1536, d = 256, dff = 1024, vocab = 8000, heads = 4, sequences = 64, tokens = 24;
        var shapes = new List<GemmShape>();
        void Linear(string name, int inputs, int outputs)
        {
            shapes.Add(new($"{name} fwd x*W^T", false, true, rows, outputs, inputs));
            shapes.Add(new($"{name} bwd dY*W", false, false, rows, inputs, outputs));
            shapes.Add(new($"{name} bwd dY^T*X", true, false, outputs, inputs, rows));
        }
        Linear("qkv 256->768", d, 3 * d);
        Linear("proj 256->256", d, d);
        Linear("cross kv 256->512", d, 2 * d);
        Linear("ffn1 256->1024", d, dff);
        Linear("ffn2 1024->256", dff, d);
        Linear("logits 256->8000", d, vocab);
        int batch = heads * sequences;
        int dk = d / heads;
        shapes.Add(new("attn Q*K^T x256", false, true, tokens, tokens, dk, batch));
        shapes.Add(new("attn P*V x256", false, false, tokens, dk, tokens, batch));
        shapes.Add(new("attn dS^T*Q x256", true, false, tokens, dk, tokens, batch));
        return shapes;
    }
}
