using System.CommandLine;
using Sharpformer.Cli;
using Sharpformer.Cli.Commands;

var root = new RootCommand("Sharpformer: the Transformer of \"Attention Is All You Need\" in pure C#, trained and used on a CPU.");
foreach (Command command in CommandCatalog.All())
    root.Subcommands.Add(command);
return CliRunner.Run(root, args);
