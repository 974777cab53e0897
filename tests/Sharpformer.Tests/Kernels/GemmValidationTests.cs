using Sharpformer.Kernels;

namespace Sharpformer.Tests.Kernels;

public class GemmValidationTests
{
    private static void Call(bool transA, bool transB, int m, int n, int k, int aLen, int lda, int bLen, int ldb, int cLen, int ldc)
        => Gemm.Sgemm(transA, transB, m, n, k, 1f, new float[aLen], lda, new float[bLen], ldb, 0f, new float[cLen], ldc);

    [Fact]
    public void NegativeSize_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Call(false, false, -1, 2, 2, 4, 2, 4, 2, 4, 2));

    [Theory]
    [InlineData(false, false, 1, 4, 4)]  // lda < k
    [InlineData(true, false, 2, 4, 4)]   // transposed: lda < m
    public void LeadingDimensionOfA_TooSmall_Throws(bool transA, bool transB, int lda, int ldb, int ldc)
    {
        var e = Assert.Throws<ArgumentException>(() => Call(transA, transB, 3, 4, 2, 64, lda, 64, ldb, 64, ldc));
        Assert.Equal("lda", e.ParamName);
    }

    [Fact]
    public void LeadingDimensionsOfBAndC_TooSmall_Throw()
    {
        Assert.Equal("ldb", Assert.Throws<ArgumentException>(() => Call(false, false, 3, 4, 2, 64, 2, 64, 3, 64, 4)).ParamName);
        Assert.Equal("ldb", Assert.Throws<ArgumentException>(() => Call(false, true, 3, 4, 2, 64, 2, 64, 1, 64, 4)).ParamName);
        Assert.Equal("ldc", Assert.Throws<ArgumentException>(() => Call(false, false, 3, 4, 2, 64, 2, 64, 4, 64, 3)).ParamName);
    }

    [Fact]
    public void ShortBuffers_Throw()
    {
        // A 3×2 with lda 2 needs 6 floats; B 2×4 needs 8; C 3×4 with ldc 5 needs 2·5+4 = 14.
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => Call(false, false, 3, 4, 2, 5, 2, 8, 4, 14, 5)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => Call(false, false, 3, 4, 2, 6, 2, 7, 4, 14, 5)).ParamName);
        Assert.Equal("c", Assert.Throws<ArgumentException>(() => Call(false, false, 3, 4, 2, 6, 2, 8, 4, 13, 5)).ParamName);
        Call(false, false, 3, 4, 2, 6, 2, 8, 4, 14, 5); // exactly long enough: no throw
    }

    [Fact]
    public void UnsupportedOrUnknownKernel_IsRejected()
    {
        Assert.Throws<UserInputException>(() => GemmKernelSelector.Parse("avx9000"));
        Assert.Equal(GemmKernelKind.Scalar, GemmKernelSelector.Parse("Scalar"));
        Assert.Equal(GemmKernelSelector.Best, GemmKernelSelector.Parse(""));
        if (!GemmKernelSelector.IsSupported(GemmKernelKind.Avx512))
            Assert.Throws<ArgumentException>(() => Gemm.Kernel = GemmKernelKind.Avx512);
    }
}
