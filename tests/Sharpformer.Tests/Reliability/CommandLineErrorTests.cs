namespace Sharpformer.Tests.Reliability;

/// <summary>
/// Mistakes in the command line itself (a missing required flag, a flag given twice, a value of the wrong
/// type, an unknown verb) are one line on stderr naming the problem and exit code 2, like every other user
/// error; the whole help text is printed only when asked for.
/// </summary>
[Collection(nameof(Evaluation.EvaluationConsoleCollection))]
public sealed class CommandLineErrorTests
{
    [Theory]
    [InlineData("Option '--model' is required", "translate")]
    [InlineData("expects a single argument but 2 were provided", "translate", "--model", "x", "--beam", "2", "--beam", "3")]
    [InlineData("Cannot parse argument 'abc' for option '--epochs'", "train", "--out", "x", "--epochs", "abc")]
    [InlineData("Unrecognized command or argument 'translat'", "translat")]
    [InlineData("Unrecognized command or argument '--no-such-flag'", "translate", "--model", "x", "--no-such-flag")]
    public void A_malformed_command_line_is_one_line_naming_the_problem_and_exit_2(string expected, params string[] args)
    {
        var r = InProcessCli.Run(null, args);
        Assert.Null(r.Crash);
        Assert.Equal(2, r.Exit);
        string err = r.Err.TrimEnd('\n', '\r');
        Assert.DoesNotContain('\n', err);
        Assert.StartsWith("error: ", err);
        Assert.Contains(expected, err);
        Assert.DoesNotContain("Usage:", r.Err + r.Out);
        Assert.Equal("", r.Out);
    }

    [Theory]
    [InlineData("translate", "--help")]
    [InlineData("translate", "-h")]
    [InlineData]
    public void Help_asked_for_or_no_verb_at_all_prints_the_usage_and_exits_0(params string[] args)
    {
        var r = InProcessCli.Run(null, args);
        Assert.Null(r.Crash);
        Assert.Equal(0, r.Exit);
        Assert.Contains("Usage:", r.Out);
        Assert.Equal("", r.Err);
    }
}
