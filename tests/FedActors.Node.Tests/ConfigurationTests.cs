using FedActors.Cluster.Configuration;
using FedActors.Node.Configuration;

namespace FedActors.Node.Tests;

/// <summary>The seed's environment variables and YAML file land on their keys, and bad values are refused by name.</summary>
public sealed class ConfigurationTests
{
    private static (FedActorsSettings Actors, NodeSettings Node, Akka.Configuration.Config Config) Effective(string hocon)
    {
        var config = FedActorsConfig.With(hocon);
        return (FedActorsSettings.From(config), NodeSettings.From(config), config);
    }

    [Fact]
    public void The_reference_holds_the_seeds_defaults()
    {
        var (actors, node, config) = Effective("");
        Assert.Equal(15, config.GetInt("fedactors.aggregation.buffer.size"));
        Assert.Equal(TimeSpan.FromSeconds(60), config.GetTimeSpan("fedactors.aggregation.buffer.time-window"));
        Assert.Equal(10, actors.Clients.MaxStaleness);
        Assert.Equal(TimeSpan.FromSeconds(60), actors.Clients.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(300), actors.Clients.MaxInactiveTime);
        Assert.Equal("staleness_aware", node.SelectionStrategy);
        Assert.Equal("async_fl_server", node.Kafka.GroupId);
        Assert.Equal("all", node.Kafka.Acks);
        Assert.Equal("latest", node.Kafka.AutoOffsetReset);
        Assert.Equal("fl_client_updates_async", node.Kafka.Topics.ClientUpdates);
        Assert.Equal(0.1, new Core.Staleness.InverseLinearStaleness(Core.Policies.PolicyParameters.Empty).Penalty, 12);
    }

    [Fact]
    public void Every_seed_environment_variable_overrides_its_key()
    {
        var env = new Dictionary<string, string?>
        {
            ["ASYNC_FL_ENABLED"] = "false", ["STALENESS_THRESHOLD"] = "5", ["AGGREGATION_BUFFER_SIZE"] = "25",
            ["AGGREGATION_TIME_WINDOW"] = "30", ["CLIENT_TIMEOUT"] = "120", ["MAX_STALENESS_PENALTY"] = "0.5",
            ["CLIENT_SELECTION_STRATEGY"] = "resource_aware", ["KAFKA_ASYNC_PRODUCER_ACKS"] = "1",
            ["KAFKA_ASYNC_CONSUMER_GROUP"] = "other_group", ["KAFKA_AUTO_OFFSET_RESET"] = "earliest",
            ["KAFKA_ENABLE_AUTO_COMMIT"] = "false", ["KAFKA_BOOTSTRAP_SERVERS"] = "kafka-1:9092,kafka-2:9092",
        };
        var (actors, node, config) = Effective(SeedEnvironment.ToHocon(env));
        Assert.False(node.Enabled);
        Assert.Equal(5, actors.Clients.MaxStaleness);
        Assert.Equal(25, config.GetInt("fedactors.aggregation.buffer.size"));
        Assert.Equal(TimeSpan.FromSeconds(30), config.GetTimeSpan("fedactors.aggregation.buffer.time-window"));
        Assert.Equal(TimeSpan.FromSeconds(120), actors.Clients.MaxInactiveTime);
        Assert.Equal(0.5, config.GetDouble("fedactors.aggregation.staleness.parameters.penalty"));
        // The penalty reaches the staleness function the aggregator uses: 1 / (1 + 0.5 * 2) = 0.5.
        Assert.Equal(0.5, actors.Aggregator.CreateAggregation().Staleness.Weight(2), 12);
        Assert.Equal("resource_aware", node.SelectionStrategy);
        Assert.Equal("1", node.Kafka.Acks);
        Assert.Equal("other_group", node.Kafka.Ingest.GroupId);
        Assert.Equal("earliest", node.Kafka.AutoOffsetReset);
        Assert.Equal("kafka-1:9092,kafka-2:9092", node.Kafka.BootstrapServers);
    }

    [Theory]
    [InlineData("STALENESS_THRESHOLD", "five", "fedactors.aggregation.staleness.max")]
    [InlineData("AGGREGATION_TIME_WINDOW", "soon", "fedactors.aggregation.buffer.time-window")]
    [InlineData("CLIENT_SELECTION_STRATEGY", "fastest", "fedactors.clients.selection.strategy")]
    [InlineData("ASYNC_FL_ENABLED", "maybe", "fedactors.enabled")]
    public void A_bad_environment_value_is_refused_with_the_variable_and_key_named(string name, string value, string key)
    {
        var e = Assert.Throws<ConfigurationError>(() => SeedEnvironment.ToHocon(new Dictionary<string, string?> { [name] = value }));
        Assert.Contains(name, e.Message);
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public void Values_that_parse_but_are_out_of_range_are_refused_by_key()
    {
        var e = Assert.ThrowsAny<Exception>(() => Effective(SeedEnvironment.ToHocon(new Dictionary<string, string?> { ["AGGREGATION_BUFFER_SIZE"] = "0" })));
        Assert.Contains("fedactors.aggregation.buffer.size", e.Message);
        var commit = Assert.Throws<ConfigurationError>(() => Effective(SeedEnvironment.ToHocon(new Dictionary<string, string?> { ["KAFKA_ENABLE_AUTO_COMMIT"] = "true" })));
        Assert.Contains("enable-auto-commit", commit.Message);
        var unknown = Assert.Throws<ConfigurationError>(() => SeedEnvironment.ToHocon(new Dictionary<string, string?> { ["KAFKA_GROUP"] = "x" }));
        Assert.Contains("KAFKA_GROUP", unknown.Message);
    }

    [Fact]
    public void The_seeds_yaml_file_is_accepted_and_unknown_keys_are_refused()
    {
        const string yaml = """
            async_federated_learning:
              enabled: true
              aggregation:
                strategy: "staleness_aware_fedavg"
                buffer_size: 20
                time_window_seconds: 45
                staleness_penalty: 0.2
                max_staleness: 8
              client_management:
                registration_timeout: 30
                heartbeat_interval: 30
                client_selection_strategy: "random"
                max_inactive_time: 600
              kafka:
                topics:
                  client_updates: "updates_v2"
                  global_model: "fl_global_model_async"
                  client_registration: "fl_client_registration"
                producer:
                  acks: "all"
                  retries: 3
                  max_in_flight_requests: 1
                consumer:
                  group_id: "async_fl_server"
                  auto_offset_reset: "latest"
                  enable_auto_commit: false
            """;
        var (actors, node, config) = Effective(SeedYaml.ToHocon(yaml));
        Assert.Equal("fedavg_staleness_aware", actors.Aggregator.CreateAggregation().Strategy.Name);
        Assert.Equal(20, config.GetInt("fedactors.aggregation.buffer.size"));
        Assert.Equal(TimeSpan.FromSeconds(45), config.GetTimeSpan("fedactors.aggregation.buffer.time-window"));
        Assert.Equal(8, actors.Clients.MaxStaleness);
        Assert.Equal(TimeSpan.FromSeconds(30), actors.Clients.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(600), actors.Clients.MaxInactiveTime);
        Assert.Equal("random", node.SelectionStrategy);
        Assert.Equal("updates_v2", node.Kafka.Topics.ClientUpdates);
        Assert.Equal(1, node.Kafka.MaxInFlightRequests);

        var e = Assert.Throws<ConfigurationError>(() => SeedYaml.ToHocon("async_federated_learning:\n  aggregation:\n    bufer_size: 3\n"));
        Assert.Contains("aggregation.bufer_size", e.Message);
    }
}
