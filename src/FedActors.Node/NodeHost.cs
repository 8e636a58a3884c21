using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Confluent.Kafka;
using FedActors.Cluster;
using FedActors.Cluster.Aggregation;
using FedActors.Cluster.Clients;
using FedActors.Cluster.Configuration;
using FedActors.Cluster.Hosting;
using FedActors.Core.Wire;
using FedActors.Kafka;
using FedActors.Kafka.DevBroker;
using FedActors.Kafka.Streams;
using FedActors.Node.Configuration;
using FedActors.Node.Http;
using FedActors.Node.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace FedActors.Node;

/// <summary>How to start one node: where it listens, whom it joins, and its configuration over the reference.</summary>
public sealed record NodeLaunch
{
    public string Hostname { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 4053;
    public string[] SeedNodes { get; init; } = [];
    public string[] Roles { get; init; } = [];
    /// <summary>HOCON over the reference config: the --config file, then the environment, then the command line.</summary>
    public string ConfigOverrides { get; init; } = "";
    public JournalSettings? Journal { get; init; }
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Evaluates each new version on held-out data (`fedactors run` gives its task's test set).</summary>
    public Cluster.Evaluation.IModelEvaluator? Evaluator { get; init; }
}

/// <summary>
/// A running `fedactors` node: the actors (AddFedActorsNode), the Kafka ingest and model publisher (a dev broker in
/// this process when the bootstrap is "embedded"), the HTTP endpoint and the telemetry exporters.
/// </summary>
public sealed class NodeHost : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly IProducer<string, byte[]> _producer;
    private readonly KafkaDevBroker? _broker;
    private readonly MeterProvider? _meters;
    private readonly TracerProvider? _traces;
    private NodeHttpServer? _http;

    private NodeHost(IHost host, IProducer<string, byte[]> producer, KafkaDevBroker? broker, MeterProvider? meters, TracerProvider? traces,
        NodeSettings settings, string bootstrap, string address)
    {
        _host = host;
        _producer = producer;
        _broker = broker;
        _meters = meters;
        _traces = traces;
        Settings = settings;
        BootstrapServers = bootstrap;
        Address = address;
        System = host.Services.GetRequiredService<ActorSystem>();
        Registry = host.Services.GetRequiredService<IActorRegistry>();
    }

    public ActorSystem System { get; }
    public IActorRegistry Registry { get; }
    public NodeSettings Settings { get; }
    public string BootstrapServers { get; }
    public string Address { get; }
    public IngestStats Ingest { get; } = new();
    public string? HttpUrl => _http?.BaseUrl;
    public IActorRef Aggregator => Registry.Get<AggregatorProxy>();

    /// <summary>This node as a load test's target: its actor system, its Kafka.</summary>
    public LoadTest.LoadTarget LoadTarget => new(System, Registry.Get<ClientRegion>(), Aggregator, Registry.Get<ClientSelectorProxy>(),
        BootstrapServers, Settings.Kafka.Topics, Settings.Kafka.Producer(BootstrapServers));

    /// <summary>Checks the configuration, reaches Kafka, starts the node and waits until it is Up. Errors say what to fix.</summary>
    public static async Task<NodeHost> StartAsync(NodeLaunch launch, CancellationToken cancellation = default)
    {
        var config = FedActorsConfig.With(launch.ConfigOverrides);
        var fedActors = FedActorsSettings.From(config);   // refuses bad values with the key named, before anything starts
        var settings = NodeSettings.From(config);
        var kafka = settings.Kafka;

        KafkaDevBroker? broker = null;
        string bootstrap;
        if (kafka.Embedded)
        {
            broker = KafkaDevBroker.Start(kafka.DevBrokers, kafka.Topics.Specs(), kafka.DevBrokerPorts.Count > 0 ? kafka.DevBrokerPorts : null);
            bootstrap = broker.BootstrapServers;
        }
        else
        {
            bootstrap = kafka.BootstrapServers;
            try
            {
                if (kafka.CreateTopics) await TopicProvisioner.EnsureAsync(bootstrap, kafka.Topics.Specs(), TimeSpan.FromSeconds(15));
                else EnsureReachable(bootstrap);
            }
            catch (KafkaException e)
            {
                throw new StartupError($"Kafka at {bootstrap} did not answer ({e.Error.Reason}); check --kafka or fedactors.kafka.bootstrap-servers");
            }
        }

        var producer = new ProducerBuilder<string, byte[]>(kafka.Producer(bootstrap)).Build();
        var scrape = settings.Telemetry.MetricsExporter == "prometheus" ? new PrometheusScrape() : null;
        var meters = settings.Telemetry.MetricsExporter switch
        {
            "prometheus" => Sdk.CreateMeterProviderBuilder().AddMeter(Metrics.MeterName).AddReader(scrape!.Reader).Build(),
            "otlp" => Sdk.CreateMeterProviderBuilder().AddMeter(Metrics.MeterName).AddOtlpExporter(o => o.Endpoint = new Uri(settings.Telemetry.OtlpEndpoint)).Build(),
            _ => null,
        };
        var traces = settings.Telemetry.TracesExporter == "otlp"
            ? Sdk.CreateTracerProviderBuilder().AddSource(Cluster.Telemetry.SourceName).AddOtlpExporter(o => o.Endpoint = new Uri(settings.Telemetry.OtlpEndpoint)).Build()
            : null;

        var address = $"akka.tcp://fedactors@{launch.Hostname}:{launch.Port}";
        var options = new NodeOptions
        {
            Hostname = launch.Hostname,
            Port = launch.Port,
            SeedNodes = launch.SeedNodes.Length > 0 ? launch.SeedNodes : [address],
            Roles = launch.Roles,
            ConfigOverrides = launch.ConfigOverrides,
            Journal = launch.Journal,
            Publisher = new KafkaModelPublisher(producer, kafka.Topics, fedActors.Selection.Pacing.Criteria.MinSamples, fedActors.Selection.Pacing.Criteria.MaxStaleness),
            Invitations = new KafkaInvitationSink(producer, kafka.Topics),
            Evaluator = launch.Evaluator,
        };
        var host = new HostBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(services => services.AddAkka(options.ActorSystemName, (builder, _) => builder.AddFedActorsNode(options)))
            .Build();
        NodeHost? node = null;
        try
        {
            await host.StartAsync(cancellation);
            node = new NodeHost(host, producer, broker, meters, traces, settings, bootstrap, address);
            await node.WaitUntilUpAsync(launch);
            node.StartTransport(kafka);
            if (!settings.Enabled)
                await node.Aggregator.Ask<AggregatorProtocol.PauseState>(new AggregatorProtocol.Pause("config: fedactors.enabled = off"), TimeSpan.FromSeconds(30));
            if (settings.Http.Port > 0)
                node._http = await NodeHttpServer.StartAsync(node.System, new NodeHttpContext(settings.Http, scrape, () => node._ingestRunning));
            return node;
        }
        catch
        {
            if (node is not null) await node.DisposeAsync();
            else
            {
                await host.StopAsync(CancellationToken.None);
                producer.Dispose();
                broker?.Dispose();
            }
            throw;
        }
    }

    private static void EnsureReachable(string bootstrap)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        admin.GetMetadata(TimeSpan.FromSeconds(15));
    }

    private async Task WaitUntilUpAsync(NodeLaunch launch)
    {
        var up = new TaskCompletionSource();
        Akka.Cluster.Cluster.Get(System).RegisterOnMemberUp(() => up.TrySetResult());
        if (await Task.WhenAny(up.Task, Task.Delay(launch.JoinTimeout)) != up.Task)
            throw new StartupError($"the node did not join the cluster within {launch.JoinTimeout.TotalSeconds:F0} s; are the seed nodes ({string.Join(", ", launch.SeedNodes)}) running?");
    }

    private volatile bool _ingestRunning;

    private void StartTransport(KafkaSettings kafka)
    {
        var (control, completion) = UpdateIngest.Run(System, Registry.Get<ClientRegion>(), kafka.Consumer(BootstrapServers), _producer, kafka.Topics, kafka.Ingest, Ingest);
        var (presence, presenceDone) = PresenceIngest.Run(System, Registry.Get<ClientRegion>(), kafka.Consumer(BootstrapServers), _producer, kafka.Topics, Ingest);
        _ingestRunning = true;
        // Before the node leaves: stop reading, let in-flight updates finish, commit what was acknowledged.
        CoordinatedShutdown.Get(System).AddTask(CoordinatedShutdown.PhaseServiceUnbind, "fedactors-ingest-drain", async () =>
        {
            _ingestRunning = false;
            // In-flight updates are answered once folded into a journaled version; the last buffer would otherwise wait
            // for the time window. Aggregate what is buffered until the drain is done.
            var drained = control.DrainAndShutdownAsync(completion);
            while (await Task.WhenAny(drained, Task.Delay(TimeSpan.FromSeconds(1))) != drained)
                Aggregator.Tell(new AggregatorProtocol.TriggerAggregation());
            await drained;
            await presence.DrainAndShutdownAsync(presenceDone);
            return Akka.Done.Instance;
        });
        // Clients that went inactive are announced on the system-events topic.
        var topics = kafka.Topics;
        var producer = _producer;
        var announcer = System.ActorOf(Props.Create(() => new InactiveAnnouncer(producer, topics)), "inactive-announcer");
        System.EventStream.Subscribe(announcer, typeof(ClientProtocol.BecameInactive));
    }

    public async ValueTask DisposeAsync()
    {
        if (_http is not null) await _http.DisposeAsync();
        try { await _host.StopAsync(TimeSpan.FromSeconds(30)); }
        catch (OperationCanceledException) { }
        _host.Dispose();
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
        _meters?.Dispose();
        _traces?.Dispose();
        _broker?.Dispose();
    }

    private sealed class InactiveAnnouncer : ReceiveActor
    {
        public InactiveAnnouncer(IProducer<string, byte[]> producer, KafkaTopics topics) =>
            Receive<ClientProtocol.BecameInactive>(e =>
            {
                var message = new SystemEvent("client_inactive", e.At, e.ClientId, "inactive", $"no message since {e.LastSeen:O}", null, null);
                producer.Produce(topics.SystemEvents, new Message<string, byte[]> { Key = e.ClientId, Value = JsonWire.EncodeSystemEvent(message) });
            });
    }
}

/// <summary>A node could not start for a reason the operator can fix; the message says which.</summary>
public sealed class StartupError(string message) : Exception(message);
