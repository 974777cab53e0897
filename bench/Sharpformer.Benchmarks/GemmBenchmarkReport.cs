using System.Globalization;
using System.Text;
using System.Text.Json;
using Sharpformer.Kernels;

namespace Sharpformer.Benchmarks;

/// <summary>Results of one <see cref="GemmBenchmark.Run"/>: a text table for people and JSON for tools.</summary>
public sealed record GemmBenchmarkReport(GemmBenchmarkMachine Machine, GemmKernelKind Kernel, int Repeats, IReadOnlyList<GemmBenchmarkResult> Results)
{
    /// <summary>One line per shape with GFLOP/s for each thread count (median of the samples).</summary>
    public string ToTable()
    {
        var inv = CultureInfo.InvariantCulture;
        var threads = Results.Select(r => r.Threads).Distinct().Order().ToList();
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"GEMM benchmark: {Machine.Cpu}, {Machine.LogicalCores} cores, {Machine.Isa}, {Machine.Runtime}");
        sb.AppendLine(inv, $"kernel {Kernel}; GFLOP/s = median of {Repeats} samples");
        int nameWidth = Math.Max(5, Results.Max(r => r.Shape.Name.Length));
        var header = new StringBuilder($"{"shape".PadRight(nameWidth)} {"op",2} {"m",5} {"n",5} {"k",5} {"batch",5}");
        foreach (int t in threads) header.Append(inv, $" {$"{t} thr ms",10} {$"{t} thr GF/s",11}");
        sb.AppendLine(header.ToString());
        foreach (var group in Results.GroupBy(r => r.Shape))
        {
            var s = group.Key;
            string trans = (s.TransA ? "T" : "N") + (s.TransB ? "T" : "N");
            var line = new StringBuilder(string.Format(inv, "{0} {1,2} {2,5} {3,5} {4,5} {5,5}", s.Name.PadRight(nameWidth), trans, s.M, s.N, s.K, s.Batch));
            foreach (int t in threads)
            {
                var r = group.FirstOrDefault(x => x.Threads == t);
                line.Append(r is null ? $" {"-",10} {"-",11}" : string.Format(inv, " {0,10:F3} {1,11:F1}", r.SecondsPerCall * 1e3, r.GFlops));
            }
            sb.AppendLine(line.ToString());
        }
        foreach (int t in threads)
        {
            var step = Results.Where(r => r.Threads == t && r.Shape != GemmBenchmarkShapes.Square1024).ToList();
            if (step.Count == 0) continue;
            double seconds = step.Sum(r => r.SecondsPerCall), flops = step.Sum(r => r.Shape.Flops);
            sb.AppendLine(inv, $"all shapes but 1024^3 once each, {t} thread(s): {seconds * 1e3:F2} ms, {flops / seconds / 1e9:F1} GFLOP/s");
        }
        return sb.ToString();
    }

    /// <summary>The same figures as an indented JSON document.</summary>
    public string ToJson() => JsonSerializer.Serialize(new
    {
        machine = Machine,
        kernel = Kernel.ToString(),
        repeats = Repeats,
        results = Results.Select(r => new
        {
            shape = r.Shape.Name,
            transA = r.Shape.TransA,
            transB = r.Shape.TransB,
            m = r.Shape.M,
            n = r.Shape.N,
            k = r.Shape.K,
            batch = r.Shape.Batch,
            threads = r.Threads,
            secondsPerCall = r.SecondsPerCall,
            gflops = r.GFlops,
        }),
    }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase });
}
