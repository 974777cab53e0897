using System.CommandLine;

namespace Sharpformer.Cli.Commands;

/// <summary>Every verb of the `sharpformer` tool, in the order `--help` lists them.</summary>
public static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return TrainCommand.Create();
        yield return TranslateCommand.Create();
        yield return ChatCommand.Create();
        yield return EvaluateCommand.Create();
        yield return AttentionCommand.Create();
        yield return PositionsCommand.Create();
        yield return SimilarCommand.Create();
        yield return ExplainCommand.Create();
        yield return PlotCommand.Create();
        yield return ServeCommand.Create();
        yield return AverageCommand.Create();
        yield return BleuCommand.Create();
        yield return CompareCommand.Create();
        yield return BenchCommand.Create();
    }
}
