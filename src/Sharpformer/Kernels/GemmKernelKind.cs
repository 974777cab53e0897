using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sharpformer.Kernels;

/// <summary>Which micro-kernel family <see cref="Gemm"/> runs on.</summary>
public enum GemmKernelKind
{
    /// <summary>Plain scalar code; runs anywhere.</summary>
    Scalar,
    /// <summary>128-bit portable vectors (SSE on x64, AdvSimd on ARM).</summary>
    Vector128,
    /// <summary>256-bit AVX2 + FMA, 6×16 register tile.</summary>
    Avx2,
    /// <summary>512-bit AVX-512F, 6×32 register tile.</summary>
    Avx512,
}

/// <summary>
/// Chooses the GEMM micro-kernel. The default is the widest kernel this CPU supports, except that
/// AVX-512 is used only when asked for (see <see cref="Gemm.KernelEnvironmentVariable"/>), because the
/// AVX2 path is the one every supported machine runs and benchmarks here show no clear gain from 512-bit.
/// </summary>
public static class GemmKernelSelector
{
    /// <summary>True when this CPU can run <paramref name="kind"/>.</summary>
    public static bool IsSupported(GemmKernelKind kind) => kind switch
    {
        GemmKernelKind.Scalar => true,
        GemmKernelKind.Vector128 => Vector128.IsHardwareAccelerated,
        GemmKernelKind.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        GemmKernelKind.Avx512 => Avx512F.IsSupported && Vector512.IsHardwareAccelerated,
        _ => false,
    };

    /// <summary>The kernel used when nothing is forced: AVX2, else 128-bit vectors, else scalar.</summary>
    public static GemmKernelKind Best =>
        IsSupported(GemmKernelKind.Avx2) ? GemmKernelKind.Avx2 :
        IsSupported(GemmKernelKind.Vector128) ? GemmKernelKind.Vector128 : GemmKernelKind.Scalar;

    /// <summary>
    /// Reads a kernel name (scalar, vector128, avx2, avx512; case-insensitive) as given in the
    /// environment variable; null or empty means <see cref="Best"/>.
    /// </summary>
    public static GemmKernelKind Parse(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return Best;
        if (!Enum.TryParse(name.Trim(), ignoreCase: true, out GemmKernelKind kind) || !Enum.IsDefined(kind))
            throw new UserInputException($"{Gemm.KernelEnvironmentVariable}='{name}' is not a GEMM kernel (scalar, vector128, avx2, avx512).");
        if (!IsSupported(kind))
            throw new UserInputException($"{Gemm.KernelEnvironmentVariable}='{name}': this CPU cannot run the {kind} GEMM kernel.");
        return kind;
    }
}
