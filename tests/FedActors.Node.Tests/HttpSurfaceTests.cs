using Akka.Actor;
using System.Text.Json.Nodes;

namespace FedActors.Node.Tests;

/// <summary>The node's HTTP surface over a real node fed through Kafka: every answer is checked against what was sent.</summary>
public sealed class HttpSurfaceTests : NodeTest
{
    [Fact]
    public async Task Cluster_and_health_routes_describe_the_running_node()
    {
        var members = await Get("/cluster/members");
        var self = members["self_node"]!.GetValue<string>();
        Assert.Equal(Node.Address, self);
        Assert.Equal(self, members["leader"]!.GetValue<string>());
        var member = Assert.Single(members["members"]!.AsArray());
        Assert.Equal("Up", member!["status"]!.GetValue<string>());
        Assert.Empty(members["unreachable"]!.AsArray());
        Assert.Equal("alive", (await Get("/health/live"))["status"]!.GetValue<string>());
        var ready = await Get("/health/ready");
        Assert.Equal("ready", ready["status"]!.GetValue<string>());
        Assert.True(ready["aggregator_reachable"]!.GetValue<bool>());
        // Akka.Management's own routes are served beside ours.
        Assert.Contains(Node.Address, (await Http.GetStringAsync("/remote/address")));
    }

    [Fact]
    public async Task Selection_invites_clients_registered_over_Kafka_and_keeps_out_those_with_too_little_data()
    {
        var topics = Node.Settings.Kafka.Topics;
        for (int i = 0; i < 3; i++)
        {
            var registration = new Core.Wire.Registration($"phone-{i}", DateTimeOffset.UtcNow, new Core.Clients.ClientCapabilities(2, 4, false));
            Producer.Produce(topics.ClientRegistration, new Confluent.Kafka.Message<string, byte[]> { Key = registration.ClientId, Value = Core.Wire.JsonWire.EncodeRegistration(registration) });
        }
        Producer.Flush(TimeSpan.FromSeconds(10));
        await Eventually(async () => (await Get("/fl/selection"))["training"]!.GetValue<int>() == 3, "three registered clients invited");
        var selection = await Get("/fl/selection");
        Assert.Equal("staleness_aware", selection["strategy"]!.GetValue<string>());
        Assert.Equal(100, selection["concurrency"]!.GetValue<int>());
        Assert.Equal(100, selection["client_selection_criteria"]!["min_samples"]!.GetValue<long>());
        Assert.Equal(5, selection["client_selection_criteria"]!["max_staleness"]!.GetValue<long>());

        // Clients that send updates with 10 and 11 samples (min-samples is 100) are known but never invited.
        await SendUpdates(clients: 2, each: 1);
        await Eventually(async () => (await Get("/fl/selection"))["known"]!.GetValue<int>() == 5, "the senders known");
        selection = await Get("/fl/selection");
        Assert.Equal(3, selection["training"]!.GetValue<int>());
        Assert.Equal(0, selection["idle"]!.GetValue<int>());
        Assert.Equal(3, selection["invitations"]!.GetValue<long>());
    }

    [Fact]
    public async Task Status_staleness_convergence_clients_and_model_match_the_updates_sent()
    {
        await SendUpdates(clients: 6, each: 2);   // 12 updates, buffer 4: three aggregations
        await Eventually(async () => (await Get("/fl/status"))["model_version"]!.GetValue<long>() == 3, "three versions");
        var status = await Get("/fl/status");
        Assert.Equal(12, status["updates_accepted"]!.GetValue<long>());
        Assert.Equal(0, status["updates_rejected"]!.GetValue<long>());
        Assert.Equal(0, status["buffer_fill"]!.GetValue<int>());
        Assert.Equal(4, status["buffer_size"]!.GetValue<int>());
        Assert.Equal(Node.Address, status["aggregator_node"]!.GetValue<string>());
        Assert.NotNull(status["last_aggregation_at"]);
        await Eventually(async () => (await Get("/fl/status"))["active_clients"]!.GetValue<int>() == 6, "six active clients counted");

        var staleness = await Get("/fl/staleness");
        Assert.Equal(12, staleness["count"]!.GetValue<long>());
        Assert.Equal(12, staleness["buckets"]!.AsArray().Sum(b => b!["count"]!.GetValue<long>()));

        var convergence = await Get("/fl/convergence");
        var history = convergence["history"]!.AsArray();
        Assert.Equal([1L, 2L, 3L], history.Select(h => h!["version"]!.GetValue<long>()));
        Assert.All(history, h => Assert.Equal(4, h!["num_updates"]!.GetValue<int>()));
        Assert.All(history, h => Assert.Equal(0.5, h!["mean_training_loss"]!.GetValue<double>(), 9));
        Assert.NotNull(convergence["recommendation"]!["message"]);

        var page1 = await Get("/fl/clients?status=active&page=1&page_size=4");
        Assert.Equal(6, page1["total"]!.GetValue<int>());
        Assert.Equal(["client-000", "client-001", "client-002", "client-003"], page1["clients"]!.AsArray().Select(c => c!["client_id"]!.GetValue<string>()));
        var page2 = await Get("/fl/clients?status=active&page=2&page_size=4");
        Assert.Equal(["client-004", "client-005"], page2["clients"]!.AsArray().Select(c => c!["client_id"]!.GetValue<string>()));
        Assert.Empty((await Get("/fl/clients?status=left"))["clients"]!.AsArray());

        var one = await Get("/fl/clients/client-002");
        Assert.Equal("active", one["status"]!.GetValue<string>());
        Assert.Equal(2, one["updates_accepted"]!.GetValue<long>());
        using (var missing = await Http.GetAsync("/fl/clients/nobody")) Assert.Equal(404, (int)missing.StatusCode);
        using (var bad = await Http.GetAsync("/fl/clients?status=sleeping")) Assert.Equal(400, (int)bad.StatusCode);

        var model = await Get("/fl/model?weights=true");
        Assert.Equal(3, model["model_version"]!.GetValue<long>());
        var weights = Convert.FromBase64String(model["weights"]!.GetValue<string>());
        var expected = await Node.Aggregator.Ask<Cluster.Aggregation.AggregatorProtocol.Model>(new Cluster.Aggregation.AggregatorProtocol.GetModel(), TimeSpan.FromSeconds(10));
        Assert.Equal(expected.Parameters, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(weights).ToArray());
        Assert.Null((await Get("/fl/model"))["weights"]);
    }

    [Fact]
    public async Task Aggregation_control_needs_the_bearer_token_and_pause_holds_aggregation_until_resumed()
    {
        Assert.Equal(401, (await Post("/fl/aggregation/pause", null)).Status);
        Assert.Equal(401, (await Post("/fl/aggregation/pause", "wrong-token")).Status);
        var paused = await Post("/fl/aggregation/pause", Token);
        Assert.Equal(200, paused.Status);
        Assert.True(paused.Body["paused"]!.GetValue<bool>());

        await SendUpdates(clients: 3, each: 2);   // 6 updates, more than the buffer of 4, while paused
        await Eventually(async () => (await Get("/fl/status"))["updates_accepted"]!.GetValue<long>() == 6, "six accepted while paused");
        var status = await Get("/fl/status");
        Assert.Equal(0, status["model_version"]!.GetValue<long>());
        Assert.Equal(6, status["buffer_fill"]!.GetValue<int>());
        Assert.True(status["paused"]!.GetValue<bool>());

        var resumed = await Post("/fl/aggregation/resume", Token);
        Assert.False(resumed.Body["paused"]!.GetValue<bool>());
        await Eventually(async () => (await Get("/fl/status"))["model_version"]!.GetValue<long>() >= 1, "aggregates after resume");

        await SendUpdates(clients: 1, each: 1, baseVersion: 1, fromSequence: 2);
        await Eventually(async () => (await Get("/fl/status"))["buffer_fill"]!.GetValue<int>() == 1, "one buffered");
        var triggered = await Post("/fl/aggregation/trigger", Token);
        Assert.True(triggered.Body["aggregated"]!.GetValue<bool>());
        Assert.Equal(0, (await Get("/fl/status"))["buffer_fill"]!.GetValue<int>());
        using var get = await Http.GetAsync("/fl/aggregation/trigger");
        Assert.Equal(405, (int)get.StatusCode);
    }

    [Fact]
    public async Task Metrics_are_Prometheus_text_with_the_fl_instruments()
    {
        await SendUpdates(clients: 2, each: 2);
        await Eventually(async () => (await Get("/fl/status"))["model_version"]!.GetValue<long>() == 1, "one version");
        string text = "";
        await Eventually(async () =>
        {
            text = await Http.GetStringAsync("/metrics");
            return text.Contains("fl_aggregations_total 1") && text.Contains("fl_model_version 1");
        }, "metrics show the aggregation");
        Assert.Contains("# TYPE fl_updates_accepted_total counter", text);
        Assert.Contains("fl_updates_accepted_total 4", text);
        Assert.Contains("fl_updates_received_total 4", text);
        Assert.Contains("fl_update_staleness_bucket{le=\"+Inf\"} 4", text);
        Assert.Contains("fl_update_staleness_count 4", text);
        Assert.Contains("# TYPE fl_aggregation_duration_seconds histogram", text);
        Assert.Contains("fl_update_processing_duration_seconds_count 4", text);
        Assert.Contains("fl_buffer_fill 0", text);
        Assert.Contains("fl_clients_active", text);
        Assert.Contains("fl_participation_rate", text);
    }
}
