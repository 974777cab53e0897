using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Sharpformer.Benchmarks;

/// <summary>What the benchmark ran on, for the report header.</summary>
public sealed record GemmBenchmarkMachine(string Cpu, int LogicalCores, string Os, string Runtime, string Isa)
{
    public static GemmBenchmarkMachine Describe()
    {
        string cpu = "unknown CPU";
        try
        {
            var line = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name")) : null;
            if (line is not null) cpu = line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        var isa = new List<string>();
        if (Avx2.IsSupported) isa.Add("AVX2");
        if (Fma.IsSupported) isa.Add("FMA");
        if (Avx512F.IsSupported) isa.Add("AVX-512F");
        if (System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported) isa.Add("AdvSimd");
        return new(cpu, Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription,
            isa.Count == 0 ? "scalar" : string.Join('+', isa));
    }
}
