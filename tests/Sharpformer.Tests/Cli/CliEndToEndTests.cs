using System.Text.Json;
using Sharpformer.Tests.Pipeline;

namespace Sharpformer.Tests.Cli;

/// <summary>The `sharpformer` verbs as a user runs them: train on tiny files, translate, evaluate, and fail cleanly.</summary>
public sealed class CliEndToEndTests : IClassFixture<CliEndToEndTests.TrainedRun>
{
    private readonly TrainedRun _run;

    public CliEndToEndTests(TrainedRun run) => _run = run;

    /// <summary>Trains once through the CLI; the tests below use the result.</summary>
    public sealed class TrainedRun : IDisposable
    {
        public TrainedRun()
        {
            Tiny = new TinyRun();
            Train = TrainInto(Tiny.RunDir());
        }

        /// <summary>The tiny recipe, trained by a fresh process into <paramref name="dir"/>.</summary>
        public CliProcess.Result TrainInto(string dir, params string[] extra) => CliProcess.Run(null, ["train", "--out", dir,
                "--train-src", Tiny.File("train.de"), "--train-tgt", Tiny.File("train.en"),
                "--valid-src", Tiny.File("val.de"), "--valid-tgt", Tiny.File("val.en"),
                "--test-src", Tiny.File("val.de"), "--test-tgt", Tiny.File("val.en"), "--test-beam", "2",
                "--vocab-size", "400", "--d-model", "16", "--heads", "2", "--d-ff", "32", "--enc-layers", "1", "--dec-layers", "1",
                "--epochs", "2", "--batch-tokens", "400", "--warmup", "20", "--average-last", "2", "--max-minutes", "0", .. extra]);

        public TinyRun Tiny { get; }
        public CliProcess.Result Train { get; }
        public void Dispose() => Tiny.Dispose();
    }

    [Fact]
    public void Train_reports_progress_validation_and_test_scores()
    {
        Assert.True(_run.Train.Exit == 0, _run.Train.Err + _run.Train.Out);
        Assert.Contains("Epoch 2", _run.Train.Out);
        Assert.Contains("valid: loss", _run.Train.Out);
        Assert.Contains("BLEU = ", _run.Train.Out);
        Assert.Contains("val.de (", _run.Train.Out);
        Assert.Contains("beam 2, α", _run.Train.Out);   // the test set is decoded as --test-beam asks
        Assert.True(File.Exists(Path.Combine(_run.Tiny.RunDir(), "model.safetensors")));
    }

    [Fact]
    public void A_second_process_with_the_same_seed_trains_the_same_weights()
    {
        // Batch order, dropout masks and initialisation must not depend on anything salted per process.
        // The second run leaves out the final test score (--no-test), which must change nothing else.
        string again = Path.Combine(_run.Tiny.Root, "again");
        var second = _run.TrainInto(again, "--no-test");
        Assert.True(second.Exit == 0, second.Err + second.Out);
        Assert.Contains("valid: loss", second.Out);
        Assert.DoesNotContain("BLEU = ", second.Out);
        var first = File.ReadAllBytes(Path.Combine(_run.Tiny.RunDir(), "model.safetensors"));
        Assert.True(first.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(again, "model.safetensors"))),
            "model.safetensors differs between two runs of the same recipe and seed");
    }

    [Fact]
    public void Translate_writes_exactly_one_line_per_input_line_and_nothing_else()
    {
        var input = File.ReadAllLines(_run.Tiny.File("val.de")).Take(7).ToList();
        input.Insert(3, "");   // an empty line still gets its (possibly empty) output line
        var r = CliProcess.Run(string.Join("\n", input) + "\n", "translate", "--model", _run.Tiny.RunDir());
        Assert.True(r.Exit == 0, r.Err);
        var lines = r.Out.Split('\n');
        Assert.Equal(input.Count + 1, lines.Length);
        Assert.Equal("", lines[^1]);

        var fromFile = CliProcess.Run(null, "translate", "--model", _run.Tiny.RunDir(), "--input", _run.Tiny.File("val.de"), "--beam", "1");
        Assert.Equal(File.ReadAllLines(_run.Tiny.File("val.de")).Length, fromFile.Out.TrimEnd('\n').Split('\n').Length);
    }

    [Fact]
    public void Translate_n_best_writes_ranked_lists_whose_first_entry_is_the_beam_output()
    {
        var sources = File.ReadAllLines(_run.Tiny.File("val.de")).Take(5).ToArray();
        string stdin = string.Join("\n", sources) + "\n";
        var best = CliProcess.Run(stdin, "translate", "--model", _run.Tiny.RunDir(), "--beam", "3");
        var lists = CliProcess.Run(stdin, "translate", "--model", _run.Tiny.RunDir(), "--beam", "3", "--n-best", "3");
        Assert.True(lists.Exit == 0, lists.Err);

        var rows = lists.Out.TrimEnd('\n').Split('\n').Select(l => l.Split(" ||| ")).ToArray();
        Assert.Equal(3 * sources.Length, rows.Length);
        Assert.All(rows, r => Assert.Equal(3, r.Length));
        var bestLines = best.Out.TrimEnd('\n').Split('\n');
        for (int i = 0; i < sources.Length; i++)
        {
            var group = rows.Skip(3 * i).Take(3).ToArray();
            Assert.All(group, r => Assert.Equal(i.ToString(), r[0]));
            Assert.Equal(bestLines[i], group[0][1]);
            var scores = group.Select(r => double.Parse(r[2], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.All(scores, x => Assert.True(x <= 0));
            Assert.True(scores[0] >= scores[1] && scores[1] >= scores[2], string.Join(", ", scores));
        }

        var tooMany = CliProcess.Run(stdin, "translate", "--model", _run.Tiny.RunDir(), "--beam", "2", "--n-best", "3");
        Assert.NotEqual(0, tooMany.Exit);
        Assert.Contains("--n-best", tooMany.Err);
        Assert.Equal("", tooMany.Out);
    }

    [Fact]
    public void Evaluate_prints_bleu_and_chrf()
    {
        var r = CliProcess.Run(null, "evaluate", "--model", _run.Tiny.RunDir(), "--src", _run.Tiny.File("val.de"), "--ref", _run.Tiny.File("val.en"));
        Assert.True(r.Exit == 0, r.Err);
        Assert.Contains("BLEU = ", r.Out);
        Assert.Contains("chrF2 = ", r.Out);
    }

    [Fact]
    public void Evaluate_writes_json_defaults_to_the_recipes_test_set_and_measures_a_translator_as_a_chatbot_when_asked()
    {
        var byRecipe = CliProcess.Run(null, "evaluate", "--model", _run.Tiny.RunDir(), "--beam", "1", "--json");
        Assert.True(byRecipe.Exit == 0, byRecipe.Err);
        using var doc = JsonDocument.Parse(byRecipe.Out);
        Assert.Equal("translation", doc.RootElement.GetProperty("task").GetString());
        Assert.Equal(_run.Tiny.File("val.de"), doc.RootElement.GetProperty("source").GetString());   // the recipe's --test-src
        Assert.Equal("greedy", doc.RootElement.GetProperty("decoding").GetProperty("method").GetString());
        var text = CliProcess.Run(null, "evaluate", "--model", _run.Tiny.RunDir(), "--src", _run.Tiny.File("val.de"), "--ref", _run.Tiny.File("val.en"), "--beam", "1");
        Assert.Contains($"BLEU = {doc.RootElement.GetProperty("bleu").GetProperty("score").GetDouble():F2}", text.Out);

        var chat = CliProcess.Run(null, "evaluate", "--model", _run.Tiny.RunDir(), "--chat", "--json");
        Assert.True(chat.Exit == 0, chat.Err);
        using var chatDoc = JsonDocument.Parse(chat.Out);
        Assert.Equal("chat", chatDoc.RootElement.GetProperty("task").GetString());
        Assert.True(chatDoc.RootElement.GetProperty("perplexity").GetProperty("value").GetDouble() > 1);
        Assert.Equal(JsonValueKind.Number, chatDoc.RootElement.GetProperty("answers").GetProperty("copied").ValueKind);   // the recipe's training targets

        var half = CliProcess.Run(null, "evaluate", "--model", _run.Tiny.RunDir(), "--src", _run.Tiny.File("val.de"));
        Assert.Equal(2, half.Exit);
        Assert.Equal("error: --ref: needed with --src\n", half.Err);
    }

    [Fact]
    public void Evaluate_scores_with_the_papers_metric_when_asked()
    {
        string hyp = Path.Combine(_run.Tiny.Root, "eval-intl.hyp");
        var r = CliProcess.Run(null, "evaluate", "--model", _run.Tiny.RunDir(), "--src", _run.Tiny.File("val.de"), "--ref", _run.Tiny.File("val.en"),
            "--tokenize", "intl", "--lowercase", "--output", hyp);
        Assert.True(r.Exit == 0, r.Err);
        var expected = Sharpformer.Evaluation.Bleu.Corpus(File.ReadAllLines(hyp), [File.ReadAllLines(_run.Tiny.File("val.en"))],
            new Sharpformer.Evaluation.BleuOptions { Tokenize = Sharpformer.Evaluation.BleuTokenizer.Intl, Lowercase = true });
        Assert.Contains($"BLEU = {expected.Score:F2}", r.Out);
        Assert.Contains("case:lc|eff:no|tok:intl", r.Out);
        var bad = CliProcess.Run(null, "evaluate", "--model", _run.Tiny.RunDir(), "--src", _run.Tiny.File("val.de"), "--ref", _run.Tiny.File("val.en"), "--tokenize", "moses");
        Assert.Equal(2, bad.Exit);
        Assert.StartsWith("error: --tokenize:", bad.Err);
    }

    [Fact]
    public void Translate_defaults_to_the_decoding_of_the_models_recipe()
    {
        // The tiny recipe scores its test set with beam 2 and its preset's α: translate without --beam/--alpha must decode the same way.
        string input = _run.Tiny.File("val.de");
        using var recipe = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(_run.Tiny.RunDir(), "run.json")));
        Assert.Equal(2, recipe.RootElement.GetProperty("test_beam").GetInt32());
        string alpha = recipe.RootElement.GetProperty("test_length_penalty").GetDouble().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var byRecipe = CliProcess.Run(null, "translate", "--model", _run.Tiny.RunDir(), "--input", input, "--n-best", "2");
        Assert.True(byRecipe.Exit == 0, byRecipe.Err);   // n-best 2 is only allowed because the default beam is 2
        var explicitBeam = CliProcess.Run(null, "translate", "--model", _run.Tiny.RunDir(), "--input", input, "--n-best", "2", "--beam", "2", "--alpha", alpha);
        Assert.Equal(explicitBeam.Out, byRecipe.Out);
    }

    [Fact]
    public void Average_writes_a_model_folder_that_evaluate_accepts()
    {
        string outDir = Path.Combine(_run.Tiny.Root, "averaged");
        var r = CliProcess.Run(null, "average", "--model", _run.Tiny.RunDir(), "--out", outDir, "--last", "2");
        Assert.True(r.Exit == 0, r.Err);
        Assert.Contains("Averaged 2 checkpoints", r.Out);
        var eval = CliProcess.Run(null, "evaluate", "--model", outDir, "--src", _run.Tiny.File("val.de"), "--ref", _run.Tiny.File("val.en"));
        Assert.True(eval.Exit == 0, eval.Err);
        Assert.Contains("BLEU = ", eval.Out);

        var tooEarly = CliProcess.Run(null, "average", "--model", _run.Tiny.RunDir(), "--out", Path.Combine(_run.Tiny.Root, "early"), "--within-minutes", "0.00001");
        Assert.Equal(2, tooEarly.Exit);
        Assert.Contains("no checkpoint was saved within", tooEarly.Err);
    }

    [Fact]
    public void A_missing_model_folder_is_one_error_line_and_exit_code_2()
    {
        var r = CliProcess.Run("Hallo\n", "translate", "--model", Path.Combine(_run.Tiny.Root, "nope"));
        Assert.Equal(2, r.Exit);
        Assert.Equal("", r.Out);
        Assert.Single(r.Err.TrimEnd('\n').Split('\n'));
        Assert.Contains("nope", r.Err);
    }

    [Fact]
    public void Misaligned_training_files_fail_cleanly_and_leave_an_existing_run_untouched()
    {
        string bad = Path.Combine(_run.Tiny.Root, "bad.en");
        File.WriteAllLines(bad, File.ReadAllLines(_run.Tiny.File("train.en")).Skip(1));
        string model = Path.Combine(_run.Tiny.RunDir(), "model.safetensors");
        byte[] before = File.ReadAllBytes(model);
        var r = CliProcess.Run(null, "train", "--out", _run.Tiny.RunDir(), "--resume", "--train-tgt", bad);
        Assert.Equal(2, r.Exit);
        Assert.Contains("bad.en", r.Err);
        Assert.DoesNotContain("   at ", r.Err);
        Assert.Equal(before, File.ReadAllBytes(model));
    }

    [Fact]
    public void Bench_decode_prints_one_json_object_with_its_figures()
    {
        var r = CliProcess.Run(null, "bench", "decode", "--batch", "2", "--steps", "2", "--repeats", "1", "--json");
        Assert.True(r.Exit == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.True(doc.RootElement.GetProperty("ms").GetDouble() > 0);
        Assert.True(doc.RootElement.GetProperty("tgt_tokens_per_s").GetDouble() > 0);
    }
}
