using System.Text.RegularExpressions;

namespace Sharpformer.Server;

/// <summary>
/// A model the server offers: the name requests ask for and the folder it is loaded from. Requests
/// only ever name a model; the folder comes from whoever started the server.
/// </summary>
/// <param name="Name">Letters, digits, '.', '_' and '-', starting with a letter or digit (at most 64).</param>
/// <param name="Folder">A training run folder (or model.safetensors beside tokenizer/).</param>
public sealed partial record ModelSource(string Name, string Folder)
{
    /// <summary>
    /// "DIR" (the model is named after the folder) or "NAME=DIR". A spec whose part before the first '='
    /// is not a valid name is read as a folder.
    /// </summary>
    public static ModelSource Parse(string spec)
    {
        if (string.IsNullOrWhiteSpace(spec)) throw UserInputException.ForField("Models", "empty model (expected DIR or NAME=DIR)");
        int eq = spec.IndexOf('=');
        if (eq > 0 && IsValidName(spec[..eq]))
        {
            string folder = spec[(eq + 1)..];
            if (folder.Length == 0) throw UserInputException.ForField("Models", $"'{spec}': no folder after '='");
            return new ModelSource(spec[..eq], folder);
        }
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(spec)));
        if (!IsValidName(name))
            throw UserInputException.ForField("Models", $"the folder name '{name}' of {spec} is not a usable model name; name it with NAME=DIR " +
                "(letters, digits, '.', '_', '-')");
        return new ModelSource(name, spec);
    }

    /// <summary>True for names a request may use: [A-Za-z0-9][A-Za-z0-9._-]{0,63}.</summary>
    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex NamePattern();
}

/// <summary>
/// How <c>sharpformer serve</c> runs: which models, where it listens, the limits every request is held
/// to, and how requests are batched. <see cref="Validate"/> names the first bad field.
/// </summary>
public sealed record ServeOptions
{
    /// <summary>The models offered; the first is used when a request names none.</summary>
    public IReadOnlyList<ModelSource> Models { get; init; } = [];

    /// <summary>Where to listen, ';'-separated. Loopback unless told otherwise.</summary>
    public string Urls { get; init; } = "http://127.0.0.1:5000";

    /// <summary>Most sentences in one request.</summary>
    public int MaxSentences { get; init; } = 64;

    /// <summary>Most characters (UTF-16 code units) in one sentence.</summary>
    public int MaxCharacters { get; init; } = 1000;

    /// <summary>Largest request body in bytes (larger bodies get 413).</summary>
    public long MaxRequestBytes { get; init; } = 1 << 20;

    /// <summary>Largest beam a request may ask for.</summary>
    public int MaxBeam { get; init; } = 16;

    /// <summary>Sentences that may wait for a decoder per model; a request that does not fit gets 503 with Retry-After.</summary>
    public int QueueCapacity { get; init; } = 1024;

    /// <summary>Longest a request may take, queueing included (then 504).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Decode requests that arrive close together in one batch (false: each request alone).</summary>
    public bool Batching { get; init; } = true;

    /// <summary>While traffic is concurrent, how long the oldest waiting sentence may wait for others to join its batch.</summary>
    public TimeSpan BatchWindow { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Token budget of one batch: sentences × longest source × beam.</summary>
    public int BatchTokens { get; init; } = 4096;

    /// <summary>
    /// Batches decoded at the same time per model; 0: one per core. A lone request still gets every core
    /// (its matrix products run on the compute pool); under load each worker keeps one core busy.
    /// </summary>
    public int DecodeWorkers { get; init; }

    /// <summary>How long shutdown waits for requests in flight.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The decode workers per model that <see cref="DecodeWorkers"/> 0 stands for.</summary>
    public int EffectiveDecodeWorkers => DecodeWorkers > 0 ? DecodeWorkers : Environment.ProcessorCount;

    /// <summary>Throws <see cref="UserInputException"/> naming the first bad field.</summary>
    public ServeOptions Validate()
    {
        if (Models.Count == 0) throw UserInputException.ForField(nameof(Models), "no model given");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in Models)
        {
            if (!ModelSource.IsValidName(m.Name)) throw UserInputException.ForField(nameof(Models), $"'{m.Name}' is not a usable model name (letters, digits, '.', '_', '-')");
            if (!seen.Add(m.Name)) throw UserInputException.ForField(nameof(Models), $"two models are named '{m.Name}'; name them with NAME=DIR");
            if (!Directory.Exists(m.Folder)) throw UserInputException.ForField(nameof(Models), $"folder {m.Folder} does not exist");
        }
        if (string.IsNullOrWhiteSpace(Urls)) throw UserInputException.ForField(nameof(Urls), "empty");
        foreach (string url in Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw UserInputException.ForField(nameof(Urls), $"'{url}' is not an http:// or https:// address");
        Positive(MaxSentences, nameof(MaxSentences));
        Positive(MaxCharacters, nameof(MaxCharacters));
        if (MaxRequestBytes < 1024) throw UserInputException.ForField(nameof(MaxRequestBytes), $"must be at least 1024, got {MaxRequestBytes}");
        Positive(MaxBeam, nameof(MaxBeam));
        Positive(QueueCapacity, nameof(QueueCapacity));
        if (QueueCapacity < MaxSentences)
            throw UserInputException.ForField(nameof(QueueCapacity), $"must hold at least one full request ({MaxSentences} sentences), got {QueueCapacity}");
        if (RequestTimeout <= TimeSpan.Zero) throw UserInputException.ForField(nameof(RequestTimeout), $"must be positive, got {RequestTimeout.TotalSeconds} s");
        if (BatchWindow < TimeSpan.Zero || BatchWindow > TimeSpan.FromSeconds(1))
            throw UserInputException.ForField(nameof(BatchWindow), $"must be between 0 and 1000 ms, got {BatchWindow.TotalMilliseconds} ms");
        Positive(BatchTokens, nameof(BatchTokens));
        if (DecodeWorkers < 0) throw UserInputException.ForField(nameof(DecodeWorkers), $"must be 0 (automatic) or positive, got {DecodeWorkers}");
        if (ShutdownTimeout < TimeSpan.Zero) throw UserInputException.ForField(nameof(ShutdownTimeout), "must not be negative");
        return this;
    }

    private static void Positive(long value, string field)
    {
        if (value < 1) throw UserInputException.ForField(field, $"must be positive, got {value}");
    }
}
