using System.Globalization;
using Sharpformer.IO;
using Sharpformer.Layers;
using Sharpformer.Model;

namespace Sharpformer.Tests.Golden;

/// <summary>One PyTorch-made reference file: its config, inputs, expected values and weights.</summary>
public sealed class GoldenCase
{
    private readonly SafeTensors.Contents _contents;

    private GoldenCase(string path)
    {
        Path = path;
        _contents = SafeTensors.Read(path);
        var m = _contents.Metadata;
        int I(string key) => int.Parse(Meta(key), CultureInfo.InvariantCulture);
        double D(string key) => double.Parse(Meta(key), CultureInfo.InvariantCulture);
        Config = new TransformerConfig
        {
            DModel = I("d_model"), Heads = I("heads"), DFf = I("d_ff"),
            EncoderLayers = I("enc_layers"), DecoderLayers = I("dec_layers"), VocabSize = I("vocab"),
            PadId = I("pad"), BosId = I("bos"), EosId = I("eos"),
            Activation = Meta("activation") switch
            {
                "relu" => Activation.Relu,
                "gelu" => Activation.Gelu,
                var a => throw new InvalidDataException($"{path}: unknown activation '{a}'"),
            },
            NormFirst = bool.Parse(Meta("norm_first")),
            Dropout = 0f,
        };
        LabelSmoothing = (float)D("label_smoothing");
        LrFactor = D("lr_factor");
        Warmup = I("warmup");
        MaxDecode = I("max_decode");
        Batch = I("batch");
        SourceLength = I("src_len");
        TargetLength = I("tgt_len");
    }

    public string Path { get; }
    public string Name => System.IO.Path.GetFileNameWithoutExtension(Path);
    public TransformerConfig Config { get; }
    public float LabelSmoothing { get; }
    public double LrFactor { get; }
    public int Warmup { get; }
    public int MaxDecode { get; }
    public int Batch { get; }
    public int SourceLength { get; }
    public int TargetLength { get; }

    public static GoldenCase Load(string fileName) => new(System.IO.Path.Combine(TestPaths.GoldenDir, fileName));

    /// <summary>Every .safetensors file in the golden folder, by file name (the xunit data source).</summary>
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        if (!Directory.Exists(TestPaths.GoldenDir)) throw new DirectoryNotFoundException($"Golden folder {TestPaths.GoldenDir} does not exist.");
        var files = Directory.GetFiles(TestPaths.GoldenDir, "*.safetensors").Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new FileNotFoundException($"No .safetensors files in {TestPaths.GoldenDir}.");
        foreach (var f in files) data.Add(f!);
        return data;
    }

    public string Meta(string key) =>
        _contents.Metadata.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"{Path}: __metadata__ lacks '{key}'");

    public bool Has(string key) => _contents.Tensors.ContainsKey(key);

    public SafeTensor Tensor(string key) =>
        _contents.Tensors.TryGetValue(key, out var t) ? t : throw new InvalidDataException($"{Path}: no tensor '{key}'");

    public int[] Ids(string key) => Tensor(key).ToInts();
    public double[] Expect(string key) => Tensor(key).ToDoubles();

    /// <summary>A model of the case's config with every weight imported from "{prefix}{name}" (all names must match both ways).</summary>
    public Transformer BuildModel(string prefix = "param.")
    {
        var model = new Transformer(Config);
        ModelFile.LoadWeights(model, _contents, Path, prefix);
        return model;
    }
}
