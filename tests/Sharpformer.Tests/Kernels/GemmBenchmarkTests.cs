using System.Text.Json;
using Sharpformer.Benchmarks;

namespace Sharpformer.Tests.Kernels;

public class GemmBenchmarkTests
{
    [Fact]
    public void TinyRun_ReportsEveryShapeAndThreadCount_AsTableAndJson()
    {
        GemmShape[] shapes = [new("tiny", false, true, 20, 30, 40), new("batched", true, false, 8, 8, 8, 5)];
        var report = GemmBenchmark.Run(new GemmBenchmarkOptions
        {
            Shapes = shapes, ThreadCounts = [1, 2], Repeats = 3, WarmupCalls = 1, WarmupSeconds = 0, SampleSeconds = 0.001,
        });

        Assert.Equal(4, report.Results.Count);
        Assert.All(report.Results, r => Assert.True(r.GFlops > 0 && double.IsFinite(r.GFlops)));
        string table = report.ToTable();
        Assert.Contains("tiny", table);
        Assert.Contains("batched", table);
        using var json = JsonDocument.Parse(report.ToJson());
        var results = json.RootElement.GetProperty("results");
        Assert.Equal(4, results.GetArrayLength());
        Assert.Equal(5, results[2].GetProperty("batch").GetInt32());
        Assert.Equal(2.0 * 8 * 8 * 8 * 5, shapes[1].Flops);
    }

    [Fact]
    public void RefSmallStep_HasForwardAndBothGradientsOfEveryLinear()
    {
        var shapes = GemmBenchmarkShapes.RefSmallStep();
        Assert.Contains(shapes, s => s is { TransA: false, TransB: true, M: 1536, N: 8000, K: 256 });   // logits
        Assert.Contains(shapes, s => s is { TransA: false, TransB: false, M: 1536, N: 256, K: 8000 });  // dH = dLogits·E
        Assert.Contains(shapes, s => s is { TransA: true, TransB: false, M: 8000, N: 256, K: 1536 });   // dE = dLogitsᵀ·H
        Assert.Contains(shapes, s => s is { M: 24, N: 24, K: 64, Batch: 256 });
        Assert.Equal(6 * 3 + 3, shapes.Count);
    }

    [Fact]
    public void BadOptions_AreUserErrors()
    {
        Assert.Throws<UserInputException>(() => GemmBenchmark.Run(new GemmBenchmarkOptions { Repeats = 0 }));
        Assert.Throws<UserInputException>(() => GemmBenchmark.Run(new GemmBenchmarkOptions { ThreadCounts = [0] }));
    }
}
