using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using Akka.Remote.Hosting;
using FedActors.Cluster.Aggregation;
using FedActors.Cluster.Clients;
using FedActors.Cluster.Configuration;
using FedActors.Cluster.Versions;
using LinqToDB;

namespace FedActors.Cluster.Hosting;

/// <summary>Registry keys for the actors a node hosts.</summary>
public sealed class AggregatorProxy;
public sealed class ClientRegion;
public sealed class VersionView;
public sealed class ClientIndex;
public sealed class ClientSelectorProxy;
public sealed class GlobalEvaluator;

/// <summary>How one node joins the cluster and where its journal is.</summary>
public sealed record NodeOptions
{
    public string Hostname { get; init; } = "127.0.0.1";
    public int Port { get; init; }
    public string[] SeedNodes { get; init; } = [];
    public string[] Roles { get; init; } = [];
    public string ActorSystemName { get; init; } = "fedactors";
    /// <summary>HOCON over the reference configuration (e.g. a --config file's text).</summary>
    public string? ConfigOverrides { get; init; }
    public JournalSettings? Journal { get; init; }
    public IModelPublisher? Publisher { get; init; }
    public Selection.IInvitationSink? Invitations { get; init; }
    /// <summary>Evaluates each new version on held-out data (a learning task's test set), if given.</summary>
    public Evaluation.IModelEvaluator? Evaluator { get; init; }
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>One <c>AddXxx</c> per actor, and <see cref="AddFedActorsNode"/> for a whole node.</summary>
public static class FedActorsHosting
{
    /// <summary>The aggregator singleton (behind a backoff supervisor) and a proxy to it on every node.</summary>
    public static AkkaConfigurationBuilder AddAggregator(this AkkaConfigurationBuilder builder, AggregatorSettings settings, IModelPublisher? publisher = null) =>
        builder.WithSingleton<AggregatorProxy>("aggregator", AggregatorActor.Supervised(settings, publisher),
            new ClusterSingletonOptions { BufferSize = 10_000 }, createProxyToo: true);

    /// <summary>The client selector singleton (it invites clients to train) and a proxy to it on every node.</summary>
    public static AkkaConfigurationBuilder AddClientSelector(this AkkaConfigurationBuilder builder, SelectionSettings settings, Selection.IInvitationSink? sink = null) =>
        builder.WithSingleton<ClientSelectorProxy>("client-selector", Selection.ClientSelectorActor.Props(settings, sink),
            new ClusterSingletonOptions { BufferSize = 10_000 }, createProxyToo: true);

    /// <summary>A held-out evaluation of each new version on this node; needs <see cref="AddAggregator"/> first. Run it on one node.</summary>
    public static AkkaConfigurationBuilder AddGlobalEvaluator(this AkkaConfigurationBuilder builder, Evaluation.IModelEvaluator evaluator) =>
        builder.WithActors((system, registry) =>
            registry.Register<GlobalEvaluator>(system.ActorOf(Evaluation.GlobalEvaluatorActor.Props(registry.Get<AggregatorProxy>(), evaluator), "global-evaluator")));

    /// <summary>This node's index of the clients it hosts (for listing and counting them).</summary>
    public static AkkaConfigurationBuilder AddClientIndex(this AkkaConfigurationBuilder builder, TimeSpan? countsInterval = null) =>
        builder.WithActors((system, registry) =>
            registry.Register<ClientIndex>(system.ActorOf(ClientIndexActor.Props(countsInterval ?? TimeSpan.FromSeconds(1)), "client-index")));

    /// <summary>
    /// The ClientActor shard region; needs <see cref="AddAggregator"/> and <see cref="AddClientIndex"/> first, and
    /// <see cref="AddClientSelector"/> when <paramref name="selection"/> is on.
    /// </summary>
    public static AkkaConfigurationBuilder AddClientSharding(this AkkaConfigurationBuilder builder, ClientSettings settings, bool selection = false) =>
        builder.WithShardRegion<ClientRegion>("client",
            (_, registry) => id => ClientActor.Props(id, registry.Get<AggregatorProxy>(), settings, registry.Get<ClientIndex>(),
                selection ? registry.Get<ClientSelectorProxy>() : null),
            new ClientMessageExtractor(settings.Shards),
            new ShardOptions { StateStoreMode = StateStoreMode.DData, RememberEntities = false, ShouldPassivateIdleEntities = false });

    /// <summary>This node's view of the current version; needs <see cref="AddAggregator"/> first.</summary>
    public static AkkaConfigurationBuilder AddModelVersionView(this AkkaConfigurationBuilder builder, TimeSpan? pollInterval = null) =>
        builder.WithActors((system, registry) =>
            registry.Register<VersionView>(system.ActorOf(
                Props.Create(() => new VersionViewActor(registry.Get<AggregatorProxy>(), pollInterval ?? TimeSpan.FromSeconds(2))), "version-view")));

    /// <summary>The SQL journal and snapshot store; SQLite is put in WAL mode first.</summary>
    public static AkkaConfigurationBuilder AddJournal(this AkkaConfigurationBuilder builder, JournalSettings journal)
    {
        if (journal.IsSqlite) SqliteJournal.EnableWal(journal.ConnectionString);
        return builder.WithSqlPersistence(journal.ConnectionString, journal.IsSqlite ? ProviderName.SQLiteMS : ProviderName.PostgreSQL15);
    }

    /// <summary>A whole node: configuration, remoting, clustering, journal, the aggregator, the version view, the client index, the client selector and the client region.</summary>
    public static AkkaConfigurationBuilder AddFedActorsNode(this AkkaConfigurationBuilder builder, NodeOptions options)
    {
        var config = FedActorsConfig.With(options.ConfigOverrides);
        var settings = FedActorsSettings.From(config);
        var aggregator = settings.Aggregator with { Clock = options.Clock };
        var clients = settings.Clients with { Clock = options.Clock };
        var selection = settings.Selection with { Clock = options.Clock };
        builder
            .AddHocon(config, HoconAddMode.Append)   // the reference config is the fallback: code-set ports and seeds win
            .WithRemoting(options.Hostname, options.Port)
            .WithClustering(new ClusterOptions { SeedNodes = options.SeedNodes, Roles = options.Roles })
            .AddJournal(options.Journal ?? settings.Journal)
            .AddAggregator(aggregator, options.Publisher)
            .AddModelVersionView()
            .AddClientIndex()
            .AddClientSelector(selection, options.Invitations)
            .AddClientSharding(clients, selection.Enabled);
        return options.Evaluator is null ? builder : builder.AddGlobalEvaluator(options.Evaluator);
    }
}
