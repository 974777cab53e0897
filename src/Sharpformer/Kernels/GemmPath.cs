namespace Sharpformer.Kernels;

/// <summary>Which GEMM code path to take; tests force each one on shapes the size rules would send elsewhere.</summary>
internal enum GemmPath
{
    /// <summary>Size rules decide: unpacked kernel for tiny products, dot products for A·Bᵀ with few rows, one thread for small ones, else the pool.</summary>
    Auto,
    /// <summary>The packed, blocked path with exactly the given thread count.</summary>
    Packed,
    /// <summary>The unpacked small-matrix kernel (when the CPU supports it; else as <see cref="Packed"/>).</summary>
    Small,
    /// <summary>The row-dot-row kernel for A·Bᵀ with few rows (when it applies and the CPU supports it; else as <see cref="Packed"/>).</summary>
    Skinny,
}
