using System.CommandLine;
using FedActors.Node;

// The `fedactors` command: run (embedded, all in one), node (a cluster member), kafka-dev (the dev broker), status, loadtest (simulated clients).
var root = new RootCommand("FedActors: asynchronous federated learning on an Akka.NET cluster over Kafka");
root.Subcommands.Add(Commands.Run());
root.Subcommands.Add(Commands.Node());
root.Subcommands.Add(Commands.KafkaDev());
root.Subcommands.Add(Commands.Status());
root.Subcommands.Add(Commands.LoadTest());
return await root.Parse(args).InvokeAsync();
