using System.Text;
using System.Text.Json;
using Sharpformer.Cli.Chat;
using Sharpformer.Inference;

namespace Sharpformer.Tests.Cli;

/// <summary>
/// `sharpformer chat` and a chat model's `evaluate`, on a tiny chatbot trained here (six question/answer
/// pairs of the bundled corpus, about ten seconds): it answers its training questions with their training
/// answers, writes one line per piped line whatever the line holds, and a seed reproduces sampled answers
/// in another process.
/// </summary>
public sealed class ChatCommandTests(ChatCommandTests.TinyChatbot bot) : IClassFixture<ChatCommandTests.TinyChatbot>
{
    /// <summary>Trains the chatbot once through the CLI.</summary>
    public sealed class TinyChatbot : IDisposable
    {
        public TinyChatbot()
        {
            Root = Path.Combine(Path.GetTempPath(), "sharpformer-chat-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(Root);
            // The first six training pairs whose question and answer each occur once in the training split.
            var corpus = Sharpformer.Text.BundledSplit.Chatbot.Read(TestPaths.DataDir, "train");
            var questionCount = corpus.Sources.CountBy(q => q).ToDictionary();
            var answerCount = corpus.Targets.CountBy(a => a).ToDictionary();
            var pairs = corpus.Pairs.Where(p => questionCount[p.Source] == 1 && answerCount[p.Target] == 1).Take(6).ToArray();
            Questions = pairs.Select(p => p.Source).ToArray();
            Answers = pairs.Select(p => p.Target).ToArray();
            System.IO.File.WriteAllLines(File("q"), Enumerable.Repeat(Questions, 64).SelectMany(x => x));
            System.IO.File.WriteAllLines(File("a"), Enumerable.Repeat(Answers, 64).SelectMany(x => x));
            System.IO.File.WriteAllLines(File("vq"), Questions);
            System.IO.File.WriteAllLines(File("va"), Answers);
            Train = CliProcess.Run(null, "train", "--out", RunDir, "--task", "chat",
                "--train-src", File("q"), "--train-tgt", File("a"), "--valid-src", File("vq"), "--valid-tgt", File("va"),
                "--test-src", File("vq"), "--test-tgt", File("va"), "--test-beam", "1",
                "--vocab-size", "400", "--d-model", "32", "--heads", "2", "--d-ff", "64", "--enc-layers", "1", "--dec-layers", "1",
                "--dropout", "0", "--label-smoothing", "0", "--epochs", "40", "--batch-tokens", "300", "--warmup", "40", "--lr-factor", "1",
                "--average-last", "1", "--max-minutes", "0", "--threads", "1");
        }

        public string Root { get; }
        public string RunDir => Path.Combine(Root, "run");
        public string File(string name) => Path.Combine(Root, name);
        public string[] Questions { get; }
        public string[] Answers { get; }
        public CliProcess.Result Train { get; }

        public void Dispose()
        {
            try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
        }
    }

    private static string[] Lines(string stdout)
    {
        Assert.EndsWith("\n", stdout);
        return stdout[..^1].Split('\n');
    }

    [Fact]
    public void The_tiny_chatbot_answers_each_training_question_with_its_training_answer()
    {
        Assert.True(bot.Train.Exit == 0, bot.Train.Err + bot.Train.Out);
        var r = CliProcess.Run(string.Join("\n", bot.Questions) + "\n", "chat", "--model", bot.RunDir);
        Assert.True(r.Exit == 0, r.Err);
        Assert.Equal(bot.Answers, Lines(r.Out));
        Assert.Equal("", r.Err);
    }

    [Fact]
    public void Piped_chat_writes_exactly_one_line_per_input_line_whatever_the_line_holds()
    {
        // 100 lines: the training questions again and again, with spaces around some, and among them an
        // empty line, a blank one, invalid UTF-8, a CRLF ending, a 210 KB line, a line of too many tokens, a
        // command (a question when piped), a BOM in front of the first line, and no newline after the last.
        var lines = new List<byte[]>();
        var utf8 = new UTF8Encoding(false);
        for (int i = 0; i < 100; i++) lines.Add(utf8.GetBytes((i % 3 == 1 ? "  " : "") + bot.Questions[i % 6]));
        lines[0] = [0xEF, 0xBB, 0xBF, .. lines[0]];
        lines[10] = [];
        lines[11] = utf8.GetBytes(" \t ");
        lines[20] = [.. utf8.GetBytes("잘못된 "), 0xFF, 0xFE, .. utf8.GetBytes(" 바이트")];
        lines[30] = [.. lines[30], (byte)'\r'];
        lines[40] = utf8.GetBytes(new string('ㅋ', 70_000));
        lines[50] = utf8.GetBytes("/quit");
        lines[60] = utf8.GetBytes(string.Concat(Enumerable.Repeat("가나다 ", 1500)));   // 15 KB, over 1,024 tokens
        var input = new List<byte>();
        for (int i = 0; i < lines.Count; i++) input.AddRange(i < lines.Count - 1 ? [.. lines[i], (byte)'\n'] : lines[i]);

        var r = CliProcess.RunWithBytes(input.ToArray(), "chat", "--model", bot.RunDir);
        Assert.True(r.Exit == 0, r.Err);
        var answers = Lines(r.Out);
        Assert.Equal(100, answers.Length);
        foreach (int i in new[] { 10, 11, 20, 40, 60 }) Assert.Equal("", answers[i]);
        foreach (int i in Enumerable.Range(0, 100).Except([10, 11, 20, 40, 50, 60]))
            Assert.True(bot.Answers[i % 6] == answers[i], $"line {i + 1}: '{answers[i]}'");
        var notes = Lines(r.Err);
        Assert.Equal(5, notes.Length);
        Assert.StartsWith("line 11: empty", notes[0]);
        Assert.StartsWith("line 12: empty", notes[1]);
        Assert.StartsWith("line 21: not valid UTF-8", notes[2]);
        Assert.StartsWith("line 41: longer than 64 KiB", notes[3]);
        Assert.StartsWith("line 61: the question has", notes[4]);
    }

    [Fact]
    public void A_seeded_sampled_answer_is_the_same_in_two_processes_and_in_translate()
    {
        string questions = string.Join("\n", Enumerable.Range(0, 30).Select(i => bot.Questions[i % 6])) + "\n";
        string[] sample = ["--sample", "--temperature", "3", "--top-p", "0.99", "--seed"];
        var first = CliProcess.Run(questions, ["chat", "--model", bot.RunDir, .. sample, "21"]);
        var second = CliProcess.Run(questions, ["chat", "--model", bot.RunDir, .. sample, "21"]);
        var otherSeed = CliProcess.Run(questions, ["chat", "--model", bot.RunDir, .. sample, "22"]);
        Assert.True(first.Exit == 0, first.Err);
        Assert.Equal(30, Lines(first.Out).Length);
        Assert.Equal(first.Out, second.Out);
        Assert.NotEqual(first.Out, otherSeed.Out);
        // Line i is sentence i in both verbs: translate batches the lines, chat answers them one by one.
        var translated = CliProcess.Run(questions, ["translate", "--model", bot.RunDir, .. sample, "21"]);
        Assert.Equal(first.Out, translated.Out);
    }

    [Theory]
    [InlineData("--temperature", "0.5", "--temperature: only applies with --sample")]
    [InlineData("--sample", "--beam", "3", "--sample: draws one answer per input")]
    [InlineData("--sample", "--top-p", "1.5", "--top-p: must be in (0, 1]")]
    [InlineData("--sample", "--temperature", "0", "--temperature: must be a finite number above 0")]
    [InlineData("--no-repeat-ngram", "-1", "--no-repeat-ngram: must be 0 (off) or positive")]
    public void Bad_decoding_flags_are_one_error_line(params string[] argsAndMessage)
    {
        var r = CliProcess.Run("안녕\n", ["chat", "--model", bot.RunDir, .. argsAndMessage[..^1]]);
        Assert.Equal(2, r.Exit);
        Assert.Equal("", r.Out);
        Assert.Equal("error: " + argsAndMessage[^1], Lines(r.Err).Single()[..("error: " + argsAndMessage[^1]).Length]);
    }

    [Fact]
    public void Evaluate_measures_a_chat_model_on_its_recipes_test_set_as_json()
    {
        var r = CliProcess.Run(null, "evaluate", "--model", bot.RunDir, "--json");
        Assert.True(r.Exit == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        Assert.Equal("chat", root.GetProperty("task").GetString());
        Assert.Equal(6, root.GetProperty("questions").GetInt32());
        Assert.Equal(100, root.GetProperty("bleu").GetProperty("score").GetDouble(), 6);
        double ppl = root.GetProperty("perplexity").GetProperty("value").GetDouble();
        Assert.InRange(ppl, 1.0, 1.5);
        var answers = root.GetProperty("answers");
        Assert.Equal(1.0, answers.GetProperty("copied").GetDouble());
        Assert.Equal(0.0, answers.GetProperty("loops").GetDouble());
        Assert.Equal(answers.GetProperty("distinct_2").GetDouble(), root.GetProperty("references").GetProperty("distinct_2").GetDouble());

        var text = CliProcess.Run(null, "evaluate", "--model", bot.RunDir, "--src", bot.File("vq"), "--ref", bot.File("va"), "--beam", "2");
        Assert.True(text.Exit == 0, text.Err);
        Assert.Contains("BLEU = 100.00", text.Out);
        Assert.Contains("perplexity", text.Out);
        Assert.Contains("beam 2", text.Out);
    }

    [Fact]
    public void The_repl_runs_commands_answers_questions_and_survives_bad_lines()
    {
        using var translator = Translator.Load(bot.RunDir);
        var session = new ChatSession(translator, translator.Defaults);
        string q = bot.Questions[2];
        byte[] script = [.. Encoding.UTF8.GetBytes($"{bot.Questions[0]}\n/beam 2\n{bot.Questions[1]}\n/bogus\n\n/temperature abc\n/temperature 2.5\n/sample\n/seed 9\n{q}\n"),
            0xC3, 0x28, (byte)'\n', .. Encoding.UTF8.GetBytes($"//{q}\n/greedy\n/settings\n/quit\n{bot.Questions[3]}\n")];
        var answers = new StringWriter();
        var messages = new StringWriter();
        ChatLoop.Interactive(session, new StreamLineInput(new MemoryStream(script)), answers, messages);

        var said = Lines(answers.ToString());
        Assert.Equal(4, said.Length);                       // nothing after /quit
        Assert.Equal(bot.Answers[0], said[0]);
        Assert.Equal(bot.Answers[1], said[1]);               // beam 2 still finds it
        // After /seed 9, the next answer is a new session's first sampled answer with seed 9.
        var fresh = new ChatSession(translator, new DecodeOptions { Sampling = new SamplingOptions { Temperature = 2.5, Seed = 9 } });
        Assert.Equal(fresh.Answer(q), said[2]);
        string log = messages.ToString();
        Assert.Contains("decoding: beam 2, α", log);
        Assert.Contains("/bogus: unknown command", log);
        Assert.Contains("(empty line", log);
        Assert.Contains("/temperature: expected a number above 0, got 'abc'", log);
        Assert.Contains("(kept for sampling; /sample switches to it)", log);
        Assert.Contains("decoding: sampling (temperature 2.5, top-k off, top-p 1, seed 9)", log);
        Assert.Contains("(that line is not valid UTF-8; not answered)", log);
        Assert.Contains("decoding: greedy", log);
        Assert.Equal(fresh.Answer("/" + q), said[3]);        // "//" sends a question starting with "/", as the next turn
    }
}
