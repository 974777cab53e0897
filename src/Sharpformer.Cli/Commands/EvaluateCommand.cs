using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using Sharpformer.Evaluation;
using Sharpformer.Inference;
using Sharpformer.Model;
using Sharpformer.Text;
using Sharpformer.Training;

namespace Sharpformer.Cli.Commands;

/// <summary>
/// <c>sharpformer evaluate --model DIR [--src FILE --ref FILE] [--beam N] [--json]</c>: translates a test set (by
/// default the one the model's recipe names) and prints BLEU and chrF; a chat model (or <c>--chat</c>) is
/// answered and measured as a chatbot (<see cref="ChatEvaluation"/>).
/// </summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "A training run folder (or a model.safetensors next to a tokenizer/ folder).", Required = true };
        var src = new Option<string?>("--src") { Description = "Source sentences (or questions), one per line (default: the test set of the model's recipe)." };
        var reference = new Option<string?>("--ref") { Description = "References (translations or answers), line-aligned with --src (default: the recipe's test set)." };
        var decode = new DecodeOptionSet();
        var memory = new MemoryOption();
        var output = new Option<string?>("--output") { Description = "Also write the translations (answers) to this file, one per --src line." };
        var tokenize = new Option<string>("--tokenize", "-tok")
        {
            Description = "BLEU tokenizer: 13a (sacreBLEU's default), intl (the papers' metric with --lowercase) or none.", DefaultValueFactory = _ => "13a",
        };
        var lowercase = new Option<bool>("--lowercase", "-lc") { Description = "Lower-case hypotheses and references before BLEU." };
        var chat = new Option<bool>("--chat") { Description = "Measure as a chatbot (perplexity, distinct-n, copied, empty and looping answers); the default for chat models." };
        var trainAnswers = new Option<string?>("--train-answers") { Description = "With a chat model: the training answers, one per line, for the copied share (default: the recipe's)." };
        var json = new Option<bool>("--json") { Description = "Print the scores as one JSON object." };
        var command = new Command("evaluate", "Translate a test set and score it with sacreBLEU-exact BLEU and chrF (chat models: also perplexity, distinct-n, copies, loops).")
        {
            model, src, reference, output, tokenize, lowercase, chat, trainAnswers, json,
        };
        decode.AddTo(command);
        memory.AddTo(command);
        command.SetAction(parseResult =>
        {
            memory.Apply(parseResult);
            string modelDir = parseResult.GetValue(model)!;
            if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;   // a log file has no width; do not wrap at 80
            using var translator = LoadTranslator(modelDir);
            var recipe = new RunDirectory(modelDir) is { HasOptions: true } run ? run.LoadOptions() : null;
            var corpus = ReadTestSet(parseResult.GetValue(src), parseResult.GetValue(reference), recipe);
            var options = decode.Read(parseResult, translator.Defaults);
            if (parseResult.GetValue(chat) || translator.Task == ModelTask.Chat)
            {
                if (parseResult.GetResult(tokenize) is { Implicit: false } || parseResult.GetValue(lowercase))
                    throw new UserInputException("--tokenize/--lowercase: chat scores use sacreBLEU's defaults (13a, mixed case)");
                string? answersPath = parseResult.GetValue(trainAnswers);
                var training = answersPath != null ? Utf8TextFile.ReadLines(answersPath).ToHashSet(StringComparer.Ordinal) : TrainingAnswers(recipe, Console.Error);
                ScoreChat(translator, corpus, options, AnsiConsole.Console, samples: 0, parseResult.GetValue(output), parseResult.GetValue(json) ? Console.Out : null, training);
                return 0;
            }
            if (parseResult.GetResult(trainAnswers) is { Implicit: false })
                throw new UserInputException("--train-answers: only applies to chat models (see --chat)");
            var bleu = new BleuOptions { Tokenize = BleuTokenizers.Parse(parseResult.GetValue(tokenize)!, "--tokenize"), Lowercase = parseResult.GetValue(lowercase) };
            ScoreAndPrint(translator, corpus, options, AnsiConsole.Console, samples: 0, parseResult.GetValue(output), bleu,
                json: parseResult.GetValue(json) ? Console.Out : null);
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Translates the corpus's sources, prints BLEU/chrF against its targets (and a few samples); with
    /// <paramref name="json"/>, writes one JSON object there instead. A chat model is answered and measured
    /// as a chatbot, with the training answers of <paramref name="recipe"/> for the copied share.
    /// </summary>
    public static void ScoreAndPrint(Translator translator, ParallelCorpus corpus, DecodeOptions options, IAnsiConsole console, int samples,
        string? outputPath = null, BleuOptions? bleuOptions = null, TextWriter? json = null, TrainingOptions? recipe = null)
    {
        if (translator.Task == ModelTask.Chat)
        {
            ScoreChat(translator, corpus, options, console, samples, outputPath, json, TrainingAnswers(recipe, Console.Error));
            return;
        }
        var watch = Stopwatch.StartNew();
        var sources = corpus.Sources.ToList();
        var refs = corpus.Targets.ToList();
        var hyps = translator.Translate(sources, options);
        double seconds = watch.Elapsed.TotalSeconds;
        if (outputPath != null) File.WriteAllLines(outputPath, hyps);
        var bleu = Bleu.Corpus(hyps, [refs], bleuOptions ?? BleuOptions.Default);
        var chrf = Chrf.Corpus(hyps, [refs]);
        if (json != null)
        {
            ChatReport.WriteTranslationJson(json, corpus, sources.Count, bleu, chrf, options, seconds);
            return;
        }
        for (int i = 0; i < Math.Min(samples, sources.Count); i++)
        {
            console.MarkupLineInterpolated($"[grey]source:[/]     {sources[i]}");
            console.MarkupLineInterpolated($"[grey]reference:[/]  {refs[i]}");
            console.MarkupLineInterpolated($"[grey]translation:[/] [bold]{hyps[i]}[/]");
            console.WriteLine();
        }
        console.MarkupLineInterpolated($"{Path.GetFileName(corpus.SourcePath)} ({sources.Count:N0} sentences, {DecodingText.Describe(options)}, {seconds:F1} s): [bold green]{bleu}[/]");
        console.MarkupLineInterpolated($"  {chrf}    signature: {bleu.Signature}");
    }

    /// <summary>Answers the held-out questions and prints (or writes as JSON) the chat measures.</summary>
    private static void ScoreChat(Translator translator, ParallelCorpus corpus, DecodeOptions options, IAnsiConsole console, int samples,
        string? outputPath, TextWriter? json, IReadOnlySet<string>? trainingAnswers)
    {
        var result = ChatEvaluation.Run(translator, corpus, options, trainingAnswers);
        ChatReport.WriteAnswers(outputPath, corpus, result);
        if (json != null) ChatReport.WriteJson(json, corpus, result, options);
        else ChatReport.Print(console, corpus, result, options, samples);
    }

    /// <summary>--src/--ref, or the test set the recipe names when both are left out.</summary>
    private static ParallelCorpus ReadTestSet(string? src, string? reference, TrainingOptions? recipe)
    {
        if (src != null && reference != null) return ParallelCorpus.ReadTextFiles(src, reference);
        if (src != null || reference != null) throw new UserInputException($"{(src == null ? "--src" : "--ref")}: needed with {(src == null ? "--ref" : "--src")}");
        if (recipe?.TestSource == null)
            throw new UserInputException("--src/--ref: needed (the model folder has no recipe naming a test set)");
        return recipe.ReadCorpus(recipe.TestSource, recipe.TestTarget, "test");
    }

    /// <summary>The recipe's training answers (targets), or null with a note when they cannot be read.</summary>
    private static HashSet<string>? TrainingAnswers(TrainingOptions? recipe, TextWriter notes)
    {
        if (recipe == null) return null;
        try
        {
            return recipe.ReadCorpus(recipe.TrainSource, recipe.TrainTarget, "train").Targets.ToHashSet(StringComparer.Ordinal);
        }
        catch (UserInputException e)
        {
            notes.WriteLine($"note: no copied share ({e.Message}); pass --train-answers");
            return null;
        }
    }

    /// <summary>A translator from a run folder (model.safetensors or best/latest) and its tokenizer; what loading had to say goes to stderr.</summary>
    public static Translator LoadTranslator(string modelDir)
    {
        if (!Directory.Exists(modelDir)) throw new UserInputException($"--model: folder {modelDir} does not exist");
        var translator = Translator.Load(modelDir);
        foreach (string notice in translator.Notices) Console.Error.WriteLine("note: " + notice);
        return translator;
    }
}

/// <summary>The decoding options shared by translate and evaluate; beam and α default to the model's recipe.</summary>
public sealed class DecodeOptionSet
{
    private readonly Option<int?> _beam = new("--beam", "-b") { Description = "Beam size (1 = greedy; default: what the model's recipe scores its test set with)." };
    private readonly Option<double?> _alpha = new("--alpha") { Description = "Length penalty α for beam search (default: the model's recipe, else 0.6)." };
    private readonly Option<int> _batchTokens = new("--batch-tokens") { Description = "Source tokens per decoding batch.", DefaultValueFactory = _ => 4096 };
    private readonly Option<double> _maxLenA = new("--max-len-a") { Description = "Output length limit: a·(source length) + b.", DefaultValueFactory = _ => 1.5 };
    private readonly Option<int> _maxLenB = new("--max-len-b") { Description = "See --max-len-a.", DefaultValueFactory = _ => 10 };
    private readonly Option<int>? _nBest;
    private readonly Option<bool> _sample = new("--sample") { Description = "Draw each token from the model's distribution instead of searching (one answer per input; needs --beam 1)." };
    private readonly Option<double?> _temperature = new("--temperature") { Description = "With --sample: divide log-probabilities by T (below 1 sharper, above 1 more varied; default 1)." };
    private readonly Option<int?> _topK = new("--top-k") { Description = "With --sample: draw only among the K most likely tokens (0 = all; default 0)." };
    private readonly Option<double?> _topP = new("--top-p") { Description = "With --sample: draw only among the most likely tokens whose probability sums to P (default 1 = all)." };
    private readonly Option<ulong?> _seed = new("--seed") { Description = "With --sample: the seed of the draws; the same seed and input give the same output (default 0)." };
    private readonly Option<int?> _noRepeatNGram = new("--no-repeat-ngram") { Description = "Never repeat an n-gram of this many tokens in an output (0 = off; default: the model's recipe, else 0)." };
    private readonly Option<int> _maxSourceTokens = new("--max-source-tokens")
    {
        Description = $"Cut longer sources to this many tokens, EOS included, with a warning (0 = {SourceLimit.DefaultTokens}, or the model's learned positions when fewer).",
        DefaultValueFactory = _ => 0,
    };

    /// <param name="withNBest">Offer --n-best (translate writes n-best lists; evaluate scores only the best).</param>
    public DecodeOptionSet(bool withNBest = false)
    {
        if (withNBest)
            _nBest = new("--n-best") { Description = "Hypotheses per sentence (at most --beam), written as 'index ||| translation ||| score'.", DefaultValueFactory = _ => 1 };
    }

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { _beam, _alpha, _batchTokens, _maxLenA, _maxLenB, _sample, _temperature, _topK, _topP, _seed, _noRepeatNGram, _maxSourceTokens })
            command.Options.Add(o);
        if (_nBest != null) command.Options.Add(_nBest);
    }

    /// <summary>The options given, with beam and α from <paramref name="defaults"/> where not given.</summary>
    public DecodeOptions Read(ParseResult r, DecodeOptions defaults)
    {
        var sampling = ReadSampling(r);
        if (sampling != null && r.GetValue(_beam) is > 1)
            throw new UserInputException($"--sample: draws one answer per input, so it cannot be combined with --beam {r.GetValue(_beam)}");
        int beam = sampling != null ? 1 : r.GetValue(_beam) ?? defaults.Search.BeamSize, batch = r.GetValue(_batchTokens);
        if (beam < 1) throw new UserInputException($"--beam: must be at least 1, got {beam}");
        if (batch < 1) throw new UserInputException($"--batch-tokens: must be positive, got {batch}");
        int nBest = _nBest != null ? r.GetValue(_nBest) : 1;
        if (nBest < 1 || nBest > beam) throw new UserInputException($"--n-best: must be between 1 and --beam ({beam}), got {nBest}");
        var search = new BeamSearchOptions
        {
            BeamSize = beam, LengthPenalty = r.GetValue(_alpha) ?? defaults.Search.LengthPenalty, MaxLenA = r.GetValue(_maxLenA), MaxLenB = r.GetValue(_maxLenB), NBest = nBest,
            NoRepeatNGramSize = r.GetValue(_noRepeatNGram) ?? defaults.Search.NoRepeatNGramSize,
        };
        if (search.NoRepeatNGramSize < 0) throw new UserInputException($"--no-repeat-ngram: must be 0 (off) or positive, got {search.NoRepeatNGramSize}");
        int maxSource = r.GetValue(_maxSourceTokens);
        if (maxSource is < 0 or 1) throw new UserInputException($"--max-source-tokens: must be 0 (the default) or at least 2 (a token and EOS), got {maxSource}");
        return new DecodeOptions { Search = search.Validate(), BatchTokens = batch, Sampling = sampling, MaxSourceTokens = maxSource };
    }

    private SamplingOptions? ReadSampling(ParseResult r)
    {
        if (!r.GetValue(_sample))
        {
            foreach (var o in new Option[] { _temperature, _topK, _topP, _seed })
                if (r.GetResult(o) is { Implicit: false }) throw new UserInputException($"{o.Name}: only applies with --sample");
            return null;
        }
        return new SamplingOptions { Temperature = r.GetValue(_temperature) ?? 1.0, TopK = r.GetValue(_topK) ?? 0, TopP = r.GetValue(_topP) ?? 1.0, Seed = r.GetValue(_seed) ?? 0 }
            .Validate();
    }
}
