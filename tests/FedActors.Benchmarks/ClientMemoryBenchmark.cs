using Akka.Actor;
using FedActors.Cluster.Clients;
using FedActors.Core.Clients;

namespace FedActors.Benchmarks;

/// <summary>
/// What a registered client costs: the managed heap per live (idle) ClientActor, and after the actors went
/// inactive and passivated themselves. Measured with full collections before and after.
/// </summary>
public static class ClientMemoryBenchmark
{
    public static BenchReport Run(BenchOptions options) => RunAsync(options.Quick ? 20_000 : 100_000).GetAwaiter().GetResult();

    private static async Task<BenchReport> RunAsync(int clients)
    {
        var inactiveAfter = TimeSpan.FromSeconds(30);   // longer than registering takes: all are live when measured
        await using var node = await BenchNode.StartAsync($"fedactors.clients.max-inactive-time = {inactiveAfter.TotalSeconds}s");
        var inactive = new CountdownEvent(clients);
        var listener = node.System.ActorOf(Props.Create(() => new InactiveCounter(inactive)));
        node.System.EventStream.Subscribe(listener, typeof(ClientProtocol.BecameInactive));

        long baseline = Heap();
        var capabilities = new ClientCapabilities(4, 8, false);
        // In chunks, each confirmed, so the region's buffer (while shards are allocated) never overflows.
        const int chunk = 5_000;
        for (int start = 0; start < clients; start += chunk)
        {
            int end = Math.Min(clients, start + chunk);
            for (int i = start; i < end; i++) node.Clients.Tell(new ClientProtocol.Register($"client-{i:D7}", capabilities));
            await Task.WhenAll(Enumerable.Range(end - 20, 20).Select(i =>
                node.Clients.Ask<ClientProtocol.ClientState>(new ClientProtocol.GetState($"client-{i:D7}"), TimeSpan.FromSeconds(60))));
        }
        await Task.Delay(500);
        long live = Heap();

        if (!inactive.Wait(TimeSpan.FromSeconds(180))) throw new TimeoutException($"{inactive.CurrentCount} clients did not go inactive");
        await Task.Delay(2000);   // passivation: the shard stops the entities it was asked to
        long passivated = Heap();

        return new BenchReport("clients")
            .Fact("machine", Measure.Machine())
            .Figure("clients", clients, "registered clients")
            .Figure("bytes_per_live_idle_client", (live - baseline) / (double)clients, "managed bytes per live, idle ClientActor")
            .Figure("bytes_per_passivated_client", Math.Max(0, passivated - baseline) / (double)clients, "managed bytes per passivated client")
            .Figure("live_heap_mb", (live - baseline) / 1e6, "heap growth with all live (MB)")
            .Figure("projected_live_gb_at_1m", (live - baseline) / (double)clients * 1e6 / 1e9, "  projected for 1,000,000 live (GB)");
    }

    private static long Heap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private sealed class InactiveCounter : ReceiveActor
    {
        public InactiveCounter(CountdownEvent countdown) => Receive<ClientProtocol.BecameInactive>(_ => countdown.Signal());
    }
}
