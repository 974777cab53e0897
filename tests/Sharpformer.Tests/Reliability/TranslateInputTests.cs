using System.Text;
using Sharpformer.Tests.Evaluation;

namespace Sharpformer.Tests.Reliability;

/// <summary>
/// `translate` writes exactly one output line per input line (with --n-best N, exactly N entries per
/// line), whatever the lines hold: a line too long for the model is cut to --max-source-tokens with a
/// warning naming it, and invalid UTF-8 is handled per --on-invalid instead of refusing the whole input.
/// </summary>
[Collection(EvaluationConsoleCollection.Name)]
public sealed class TranslateInputTests(ReliabilityRun trained) : IClassFixture<ReliabilityRun>
{
    private string[] Translate(string input, params string[] extra) => TranslateRun(input, extra).Out.Split('\n')[..^1];

    private InProcessCli.Result TranslateRun(string input, params string[] extra) => TranslateIn(trained.Run.Root, input, extra);

    private static InProcessCli.Result TranslateIn(string run, string input, params string[] extra)
    {
        var r = InProcessCli.Run(input, ["translate", "--model", run, .. extra.Contains("--beam") ? extra : ["--beam", "1", .. extra]]);
        Assert.True(r.Crash == null && r.Exit == 0, r.ToString());
        Assert.EndsWith("\n", r.Out);
        return r;
    }

    [Theory]
    [InlineData("transformer")]
    [InlineData("rnn-attn-additive")]
    public void A_100000_character_line_is_cut_with_a_warning_and_every_other_line_is_translated(string architecture)
    {
        string run = architecture == "transformer" ? trained.Run.Root : trained.RnnRun.Root;
        var lines = trained.Sample.ToList();
        lines.Insert(2, string.Concat(Enumerable.Repeat("Ein Mann fährt Fahrrad. ", 100_000 / 24 + 1))[..100_000]);
        var r = TranslateIn(run, string.Join("\n", lines) + "\n");
        string[] output = r.Out.Split('\n')[..^1];
        Assert.Equal(lines.Count, output.Length);
        string[] alone = TranslateIn(run, string.Join("\n", trained.Sample) + "\n").Out.Split('\n')[..^1];
        Assert.Equal(alone, output.Where((_, i) => i != 2));
        Assert.Contains("line 3", r.Err);
        Assert.Contains("1024", r.Err);                                     // the default limit (neither model has a learned position table)
        Assert.DoesNotContain("line 1:", r.Err);
        Assert.True(r.AllocatedBytes < 3L << 30, r.ToString());
    }

    [Fact]
    public void Max_source_tokens_cuts_at_the_given_length_and_a_cut_line_translates_like_its_kept_prefix()
    {
        string line = trained.Sample[0];
        var tokenizer = trained.Run.LoadTokenizer();
        int[] ids = tokenizer.Encode(line);
        Assert.True(ids.Length > 6, "the sample line is too short for this test");
        string prefix = tokenizer.Decode(ids.AsSpan(0, 5));   // 5 tokens + EOS = 6
        var cut = TranslateRun(line + "\n", "--max-source-tokens", "6");
        Assert.Contains("line 1", cut.Err);
        Assert.Equal(Translate(prefix + "\n"), cut.Out.Split('\n')[..^1]);

        var r = InProcessCli.Run(line + "\n", "translate", "--model", trained.Run.Root, "--max-source-tokens", "1");
        Assert.Equal(2, r.Exit);
        Assert.StartsWith("error: --max-source-tokens", r.Err);
    }

    [Fact]
    public void A_line_of_5000_spaces_does_not_make_memory_grow_with_its_square()
    {
        var r = TranslateRun(new string(' ', 5000) + "\n" + trained.Sample[0] + "\n", "--max-source-tokens", "64");
        Assert.Equal(2, r.Out.Split('\n').Length - 1);
        Assert.True(r.AllocatedBytes < 512L << 20, r.ToString());
    }

    [Fact]
    public void N_best_writes_exactly_n_entries_per_line_even_when_the_search_finds_fewer()
    {
        string input = string.Join("\n", trained.Sample.Take(3)) + "\n";
        // a length limit of 0 tokens leaves one (empty) hypothesis per sentence
        var r = TranslateRun(input, "--beam", "3", "--n-best", "3", "--max-len-a", "0", "--max-len-b", "0");
        var rows = r.Out.Split('\n')[..^1].Select(l => l.Split(" ||| ")).ToArray();
        Assert.Equal(9, rows.Length);
        for (int i = 0; i < 3; i++)
            Assert.All(rows.Skip(3 * i).Take(3), row => Assert.Equal(i.ToString(), row[0]));
        Assert.All(rows, row => Assert.Equal(3, row.Length));
    }

    private static byte[] WithInvalidSecondLine(string[] lines)
    {
        var bytes = new List<byte>();
        for (int i = 0; i < lines.Length; i++)
        {
            bytes.AddRange(Encoding.UTF8.GetBytes(lines[i]));
            if (i == 1) bytes.AddRange(new byte[] { 0xC3, 0x28, 0xFF });   // a broken two-byte sequence and a byte UTF-8 never uses
            bytes.Add((byte)'\n');
        }
        return bytes.ToArray();
    }

    [Fact]
    public void Invalid_utf8_on_one_line_is_replaced_by_default_with_a_warning_naming_the_line()
    {
        string[] lines = trained.Sample.Take(4).ToArray();
        string file = trained.Tiny.File("invalid-line-2.de");
        File.WriteAllBytes(file, WithInvalidSecondLine(lines));
        var r = InProcessCli.Run(null, "translate", "--model", trained.Run.Root, "--beam", "1", "--input", file);
        Assert.True(r.Exit == 0, r.ToString());
        string[] output = r.Out.Split('\n')[..^1];
        Assert.Equal(4, output.Length);
        Assert.Contains($"{file}, line 2", r.Err);
        var replaced = lines.ToArray();
        replaced[1] += "\uFFFD(\uFFFD";
        Assert.Equal(Translate(string.Join("\n", replaced) + "\n"), output);

        var empty = InProcessCli.Run(null, "translate", "--model", trained.Run.Root, "--beam", "1", "--input", file, "--on-invalid", "empty");
        Assert.True(empty.Exit == 0, empty.ToString());
        string[] emptyOutput = empty.Out.Split('\n')[..^1];
        Assert.Equal(4, emptyOutput.Length);
        Assert.Equal("", emptyOutput[1]);
        Assert.Equal(output.Where((_, i) => i != 1), emptyOutput.Where((_, i) => i != 1));

        var error = InProcessCli.Run(null, "translate", "--model", trained.Run.Root, "--input", file, "--on-invalid", "error");
        Assert.Equal(2, error.Exit);
        Assert.StartsWith($"error: {file}, line 2: invalid UTF-8", error.Err);
        Assert.Equal("", error.Out);
    }

    [Fact]
    public void Invalid_utf8_on_standard_input_names_the_line_too()
    {
        byte[] input = WithInvalidSecondLine(trained.Sample.Take(3).ToArray());
        var r = InProcessCli.RunBytes(input, TimeSpan.FromSeconds(60), "translate", "--model", trained.Run.Root);
        Assert.True(r.Exit == 0, r.ToString());
        Assert.Equal(3, r.Out.Split('\n').Length - 1);
        Assert.Contains("stdin, line 2", r.Err);
        var error = InProcessCli.RunBytes(input, TimeSpan.FromSeconds(60), "translate", "--model", trained.Run.Root, "--on-invalid", "error");
        Assert.Equal(2, error.Exit);
        Assert.StartsWith("error: stdin, line 2: invalid UTF-8", error.Err);
    }
}
