using Sharpformer.Model;
using Sharpformer.Text;
using Sharpformer.Training;

namespace Sharpformer.Inference;

/// <summary>How to search for translations, and how many source tokens to decode at once.</summary>
public sealed record DecodeOptions
{
    /// <summary>Beam size 1 means greedy search; the length rule applies to both.</summary>
    public BeamSearchOptions Search { get; init; } = new() { BeamSize = 1 };

    /// <summary>Source tokens per decoding batch (sentences are sorted by length first).</summary>
    public int BatchTokens { get; init; } = 4096;

    /// <summary>
    /// Draw each token instead of taking the most likely one (null: search). Sampling keeps one hypothesis
    /// per sentence, so it needs <see cref="BeamSearchOptions.BeamSize"/> 1; the length rule and
    /// <see cref="BeamSearchOptions.NoRepeatNGramSize"/> still apply.
    /// </summary>
    public SamplingOptions? Sampling { get; init; }

    /// <summary>
    /// Longest source in tokens, EOS included; longer ones are cut (<see cref="SourceLimit"/>). 0: the default,
    /// 1024 or the model's learned positions when fewer. A larger value is still capped by the learned positions.
    /// </summary>
    public int MaxSourceTokens { get; init; }

    /// <summary>Told about each source cut to <see cref="MaxSourceTokens"/> (null: cut silently).</summary>
    public Action<SourceTruncation>? OnTruncated { get; init; }

    public static DecodeOptions Greedy { get; } = new();
    public static DecodeOptions Beam(int size, double lengthPenalty = 0.6) => new() { Search = new BeamSearchOptions { BeamSize = size, LengthPenalty = lengthPenalty } };

    /// <summary>Throws <see cref="UserInputException"/> naming the first bad field.</summary>
    public DecodeOptions Validate()
    {
        Search.Validate();
        Sampling?.Validate();
        if (Sampling != null && Search.BeamSize != 1)
            throw new UserInputException($"decode options: sampling draws one answer per sentence, so the beam size must be 1, got {Search.BeamSize}");
        if (BatchTokens < 1) throw new UserInputException($"decode options: BatchTokens must be positive, got {BatchTokens}");
        if (MaxSourceTokens is < 0 or 1) throw new UserInputException($"decode options: MaxSourceTokens must be 0 (the default) or at least 2 (a token and EOS), got {MaxSourceTokens}");
        return this;
    }
}

/// <summary>One detokenised hypothesis with its search score (log P / lp(|Y|)) and log-probability.</summary>
public sealed record ScoredTranslation(string Text, double Score, double LogProb);

/// <summary>
/// Text in, text out: tokenises sources, decodes them in length-sorted batches under a token budget,
/// and detokenises the results back into ordinary text in the original order.
/// <code>
/// using var translator = Translator.Load("runs/de-en");
/// string en = translator.Translate("Ein Hund läuft.");
/// </code>
/// Thread-safe: the model holds only weights and every call decodes with state of its own, so one
/// translator can serve many threads at once.
/// </summary>
public sealed class Translator : IDisposable
{
    private readonly bool _ownsModel;
    private bool _disposed;

    /// <param name="defaults">Decoding used when a call gives none (null: greedy).</param>
    public Translator(ISeq2SeqModel model, SubwordTokenizer tokenizer, DecodeOptions? defaults = null)
        : this(model, tokenizer, defaults, ownsModel: false) { }

    private Translator(ISeq2SeqModel model, SubwordTokenizer tokenizer, DecodeOptions? defaults, bool ownsModel, ModelTask task = ModelTask.Translation)
    {
        Task = task;
        _ownsModel = ownsModel;
        VocabularyAgreement.Check(model, tokenizer, "the model", "the tokenizer");
        Model = model;
        Tokenizer = tokenizer;
        Defaults = (defaults ?? DecodeOptions.Greedy).Validate();
    }

    /// <summary>
    /// Opens a model folder: a training run (its final model, else the best, else the latest checkpoint),
    /// or a folder with model.safetensors beside tokenizer/. The run's recipe (run.json), when present,
    /// gives the default decoding: the beam size and length penalty it scores its test set with.
    /// </summary>
    public static Translator Load(string folder)
    {
        if (!Directory.Exists(folder)) throw new UserInputException($"{folder}: model folder does not exist");
        var run = new RunDirectory(folder);
        var (modelPath, notice) = run.ChooseModelForInference();
        var model = ModelFile.Load(modelPath);
        var tokenizer = run.LoadTokenizer();
        VocabularyAgreement.Check(model, tokenizer, modelPath, Path.Combine(run.TokenizerDir, SubwordTokenizer.ModelFileName));
        var recipe = run.HasOptions ? run.LoadOptions() : null;
        var defaults = recipe != null ? RecipeDefaults(recipe) : DecodeOptions.Greedy;
        return new Translator(model, tokenizer, defaults, ownsModel: true, recipe?.Task ?? ModelTask.Translation) { Notices = notice != null ? [notice] : [] };
    }

    /// <summary>What loading had to say (e.g. that the final model was missing and the best one is used instead), one line each.</summary>
    public IReadOnlyList<string> Notices { get; private init; } = [];

    /// <summary>The decoding a run's recipe scores its test set with.</summary>
    public static DecodeOptions RecipeDefaults(TrainingOptions recipe)
    {
        var search = recipe.TestBeam > 1 ? DecodeOptions.Beam(recipe.TestBeam, recipe.TestLengthPenalty) : DecodeOptions.Greedy;
        return search with { Search = search.Search with { NoRepeatNGramSize = recipe.TestNoRepeatNGram } };
    }

    public ISeq2SeqModel Model { get; }
    public SubwordTokenizer Tokenizer { get; }

    /// <summary>What the model was trained for (from the run's recipe; translation when there is none).</summary>
    public ModelTask Task { get; }

    /// <summary>The decoding used when a call passes no options.</summary>
    public DecodeOptions Defaults { get; }

    /// <summary>Translates one sentence.</summary>
    public string Translate(string source, DecodeOptions? options = null) => Translate([source], options)[0];

    /// <summary>Translates every source line, in order; <paramref name="progress"/> receives the count of finished sentences.</summary>
    public string[] Translate(IReadOnlyList<string> sources, DecodeOptions? options = null, IProgress<int>? progress = null) =>
        TranslateNBest(sources, options, progress).Select(list => list[0].Text).ToArray();

    /// <summary>
    /// Translates every source line into its n-best list (<see cref="BeamSearchOptions.NBest"/> entries, best
    /// first; greedy search gives one), in the order of <paramref name="sources"/>. Sampled draws of
    /// sources[i] are seeded by sentence id <paramref name="firstSentenceId"/> + i, so a long input fed in
    /// pieces (or line by line, as chat does) samples the same as fed at once.
    /// </summary>
    public ScoredTranslation[][] TranslateNBest(IReadOnlyList<string> sources, DecodeOptions? options = null, IProgress<int>? progress = null,
        int firstSentenceId = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        options = options?.Validate() ?? Defaults;
        var ids = sources.Select((s, i) => EncodeSource(s, options, i)).ToArray();
        var results = new ScoredTranslation[sources.Count][];
        int done = 0;
        foreach (var batch in Batches(ids, options.BatchTokens))
        {
            var outputs = DecodeBatchNBest(batch.Select(i => ids[i]).ToArray(), options, batch.Select(i => firstSentenceId + i).ToArray());
            for (int j = 0; j < batch.Length; j++)
                results[batch[j]] = outputs[j].Select(h => new ScoredTranslation(Tokenizer.Decode(h.Tokens), h.Score, h.LogProb)).ToArray();
            done += batch.Length;
            progress?.Report(done);
        }
        return results;
    }

    /// <summary>
    /// The ids a source is decoded from: its tokens and EOS, cut to the source limit (<see cref="DecodeOptions.MaxSourceTokens"/>);
    /// a cut is reported to <see cref="DecodeOptions.OnTruncated"/> with <paramref name="index"/>.
    /// </summary>
    public int[] EncodeSource(string source, DecodeOptions options, int index = 0)
    {
        int[] ids = Tokenizer.Encode(source, addBos: false, addEos: true);
        if (SourceLimit.Cut(ids, SourceLimit.For(Model, options), Model.Tokens.EosId) is not { } kept) return ids;
        options.OnTruncated?.Invoke(new SourceTruncation(index, ids.Length, kept.Length));
        return kept;
    }

    /// <summary>
    /// Decodes one batch of id sequences (each ending with EOS); per sentence the n-best hypotheses, best first.
    /// <paramref name="sentenceIds"/> seeds each sentence's sampled draws (e.g. its index in the input, so an
    /// answer does not depend on the batch it lands in); null: its index in this batch.
    /// </summary>
    public IReadOnlyList<Hypothesis>[] DecodeBatchNBest(int[][] sources, DecodeOptions options, IReadOnlyList<int>? sentenceIds = null)
    {
        int batch = sources.Length, length = sources.Max(s => s.Length);
        var padded = new int[batch * length];       // [B, S]
        Array.Fill(padded, Model.Tokens.PadId);
        for (int i = 0; i < batch; i++) sources[i].CopyTo(padded, i * length);
        var search = options.Search.Validate();
        if (search.BeamSize == 1)
        {
            var strategy = options.Sampling is { } sampling ? new SamplingStrategy(sampling, sentenceIds) : null;
            return GreedySearch.Decode(Model, padded, batch, length, search.OutputLength, strategy, search.NoRepeatNGramSize)
                .Select(h => (IReadOnlyList<Hypothesis>)[h]).ToArray();
        }
        return BeamSearch.Search(Model, padded, batch, length, search).Select(r => r.NBest).ToArray();
    }

    /// <summary>Ends the translator's use; a model it loaded itself lets go of its reusable decoding buffers.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_ownsModel && Model is ITrainableModel trainable) trainable.ReleaseWorkspaces();
    }

    /// <summary>Sentence indices grouped into batches of similar length (longest first) under the token budget.</summary>
    private static IEnumerable<int[]> Batches(int[][] ids, int budget)
    {
        var order = Enumerable.Range(0, ids.Length).OrderByDescending(i => ids[i].Length).ToArray();
        var current = new List<int>();
        int longest = 0;
        foreach (int i in order)
        {
            int newLongest = Math.Max(longest, ids[i].Length);
            if (current.Count > 0 && (current.Count + 1) * newLongest > budget)
            {
                yield return current.ToArray();
                current.Clear();
                newLongest = ids[i].Length;
            }
            current.Add(i);
            longest = newLongest;
        }
        if (current.Count > 0) yield return current.ToArray();
    }
}
