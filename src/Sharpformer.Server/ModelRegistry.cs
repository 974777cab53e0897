using Sharpformer.Inference;
using Sharpformer.Server.Batching;

namespace Sharpformer.Server;

/// <summary>A loaded model with the batcher that decodes for it.</summary>
public sealed class ServedModel(string name, Translator translator, DecodeBatcher batcher)
{
    public string Name { get; } = name;
    public Translator Translator { get; } = translator;
    public DecodeBatcher Batcher { get; } = batcher;
}

/// <summary>
/// The models a server offers, by name. Requests look models up by name only; the folders come from
/// <see cref="ServeOptions.Models"/>. Models load in the background after the server starts listening, so
/// liveness answers at once and readiness turns true when every model is in memory.
/// </summary>
public sealed class ModelRegistry : IDisposable
{
    private readonly ServeOptions _options;
    private readonly Func<string, Translator> _load;
    private readonly Dictionary<string, ServedModel> _models = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _started;
    private volatile bool _ready, _disposed;

    /// <param name="options">The models to load and the batching of each.</param>
    /// <param name="load">Opens a model folder (default: <see cref="Translator.Load"/>).</param>
    public ModelRegistry(ServeOptions options, Func<string, Translator>? load = null)
    {
        _options = options;
        _load = load ?? Translator.Load;
    }

    /// <summary>Every model's name, in the order given; the first is the default.</summary>
    public IReadOnlyList<string> Names => _options.Models.Select(m => m.Name).ToArray();

    public string DefaultName => _options.Models[0].Name;

    /// <summary>True once every model is loaded.</summary>
    public bool IsReady => _ready;

    /// <summary>Completes when every model is loaded; faults with the first load error.</summary>
    public Task Loaded => _loaded.Task;

    /// <summary>Loads the models on a background thread (once).</summary>
    public void StartLoading()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0) _ = Task.Run(LoadAll);
    }

    private void LoadAll()
    {
        try
        {
            var settings = new BatcherSettings(_options.Batching, _options.BatchWindow, _options.BatchTokens, _options.QueueCapacity,
                _options.EffectiveDecodeWorkers);
            foreach (var source in _options.Models)
            {
                var translator = _load(source.Folder);
                lock (_models)
                {
                    if (_disposed) { translator.Dispose(); return; }
                    _models[source.Name] = new ServedModel(source.Name, translator, new DecodeBatcher(translator, settings, source.Name));
                }
            }
            _ready = true;
            _loaded.TrySetResult();
        }
        catch (Exception e)
        {
            _loaded.TrySetException(e);
        }
    }

    /// <summary>True when <paramref name="name"/> is one of the served models (loaded or not).</summary>
    public bool IsKnown(string name) => _options.Models.Any(m => m.Name == name);

    /// <summary>The loaded model called <paramref name="name"/> (null: the default), or null while it is loading.</summary>
    public ServedModel? Find(string? name)
    {
        lock (_models) return _models.GetValueOrDefault(name ?? DefaultName);
    }

    /// <summary>Every loaded model, in the order given.</summary>
    public IReadOnlyList<ServedModel> LoadedModels
    {
        get { lock (_models) return _options.Models.Select(m => _models.GetValueOrDefault(m.Name)).OfType<ServedModel>().ToArray(); }
    }

    /// <summary>Decodes what is queued, then releases every model.</summary>
    public void Dispose()
    {
        ServedModel[] models;
        lock (_models)
        {
            if (_disposed) return;
            _disposed = true;
            models = _models.Values.ToArray();
        }
        foreach (var m in models)
        {
            m.Batcher.Dispose();
            m.Translator.Dispose();
        }
    }
}
