using System.Globalization;
using Sharpformer.Inference;
using Sharpformer.IO;
using Sharpformer.Model;
using Sharpformer.Tests.Text;

namespace Sharpformer.Tests.Pipeline;

/// <summary>
/// Runs saved before model files were versioned still load and translate exactly as the version
/// that wrote them did (tests/fixtures/run-format-1, made by that version; its README says how),
/// and today's files name their format and architecture.
/// </summary>
public sealed class RunFormatCompatibilityTests
{
    private static readonly string Fixture = Path.Combine(TestPaths.RepoRoot, "tests", "fixtures", "run-format-1");
    private static string[] Sample => File.ReadAllLines(Path.Combine(Fixture, "sample.de"));

    [Fact]
    public void A_format_1_run_loads_takes_its_recipe_defaults_and_translates_as_its_writer_did()
    {
        Assert.False(SafeTensors.Read(Path.Combine(Fixture, "model.safetensors")).Metadata.ContainsKey(ModelFile.FormatKey));   // really format 1
        using var translator = Translator.Load(Fixture);
        Assert.Equal(Transformer.ArchitectureName, translator.Model.Architecture);
        Assert.Equal(2, translator.Defaults.Search.BeamSize);              // run.json: test_beam 2, test_length_penalty 1.0
        Assert.Equal(1.0, translator.Defaults.Search.LengthPenalty);

        Assert.Equal(File.ReadAllLines(Path.Combine(Fixture, "expected.greedy.en")), translator.Translate(Sample, DecodeOptions.Greedy));
        Assert.Equal(File.ReadAllLines(Path.Combine(Fixture, "expected.beam2-alpha1.nbest")), NBestLines(translator));
    }

    [Fact]
    public void Resaving_writes_format_2_with_the_architecture_and_changes_no_output()
    {
        using var dir = new TempDir();
        var model = ModelFile.LoadTransformer(Path.Combine(Fixture, "model.safetensors"));
        string path = Path.Combine(dir.Path, "model.safetensors");
        ModelFile.Save(model, path);
        var meta = SafeTensors.Read(path).Metadata;
        Assert.Equal("2", meta[ModelFile.FormatKey]);
        Assert.Equal("transformer", meta[ModelFile.ArchitectureKey]);
        Assert.DoesNotContain("head_dim", meta[ModelFile.ConfigKey]);   // derived, never stored

        Directory.CreateDirectory(Path.Combine(dir.Path, "tokenizer"));
        foreach (var f in Directory.GetFiles(Path.Combine(Fixture, "tokenizer"))) File.Copy(f, Path.Combine(Path.Combine(dir.Path, "tokenizer"), Path.GetFileName(f)));
        File.Copy(Path.Combine(Fixture, "run.json"), Path.Combine(dir.Path, "run.json"));
        using var translator = Translator.Load(dir.Path);
        Assert.Equal(File.ReadAllLines(Path.Combine(Fixture, "expected.beam2-alpha1.nbest")), NBestLines(translator));
    }

    [Theory]
    [InlineData("3", "transformer", "model format 3 by a newer Sharpformer")]
    [InlineData("two", "transformer", "invalid 'sharpformer.format'")]
    [InlineData("2", "lstm-of-the-future", "unknown architecture 'lstm-of-the-future'")]
    public void Unknown_formats_and_architectures_are_refused_naming_the_file(string format, string architecture, string message)
    {
        using var dir = new TempDir();
        var source = SafeTensors.Read(Path.Combine(Fixture, "model.safetensors"));
        var meta = new Dictionary<string, string>(source.Metadata) { [ModelFile.FormatKey] = format, [ModelFile.ArchitectureKey] = architecture };
        string path = Path.Combine(dir.Path, "model.safetensors");
        SafeTensors.Write(path, source.Tensors.Select(kv => SafeTensor.FromFloats(kv.Key, kv.Value.ToFloats(), kv.Value.Shape)), meta);
        var e = Assert.Throws<UserInputException>(() => ModelFile.Load(path));
        Assert.Contains(message, e.Message);
        Assert.StartsWith(path, e.Message);
    }

    private static string[] NBestLines(Translator translator) =>
        translator.TranslateNBest(Sample, DecodeOptions.Beam(2, 1.0) with { Search = new BeamSearchOptions { BeamSize = 2, LengthPenalty = 1.0, NBest = 2 } })
            .SelectMany((list, i) => list.Select(h => string.Create(CultureInfo.InvariantCulture, $"{i} ||| {h.Text} ||| {h.Score:F6}")))
            .ToArray();
}
