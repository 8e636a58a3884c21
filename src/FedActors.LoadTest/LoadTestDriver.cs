using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Confluent.Kafka;
using FedActors.Cluster.Aggregation;
using FedActors.Cluster.Selection;
using FedActors.Core.Wire;
using FedActors.Kafka;
using FedActors.Simulation.Federation;

namespace FedActors.LoadTest;

/// <summary>The cluster a load test drives: a node's actor system (this process is a member) and its Kafka.</summary>
public sealed record LoadTarget(ActorSystem System, IActorRef ClientRegion, IActorRef Aggregator, IActorRef Selector,
    string BootstrapServers, KafkaTopics Topics, ProducerConfig Producer);

/// <summary>What a load test does; the defaults are a quick run.</summary>
public sealed record LoadTestOptions
{
    public int Clients { get; init; } = 10_000;
    /// <summary>Updates per second over all clients at most; 0: no limit.</summary>
    public double Rate { get; init; }
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>"direct" (into the shard region) or "kafka" (JSON or binary on the updates topic).</summary>
    public string Transport { get; init; } = "direct";
    public bool Binary { get; init; } = true;
    /// <summary>Median seconds one training attempt takes (compute only); speeds are lognormal around it, sigma 1.</summary>
    public double MedianTrainingSeconds { get; init; } = 5;
    /// <summary>Median number of samples a client holds (lognormal, sigma 1: non-IID sizes).</summary>
    public double MedianSamples { get; init; } = 200;
    public double DropoutProbability { get; init; } = 0.02;
    public double OfflineProbability { get; init; } = 0.02;
    /// <summary>How long registration may take before the test gives up waiting for every client to be known.</summary>
    public TimeSpan RegistrationTimeout { get; init; } = TimeSpan.FromMinutes(10);
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Registrations sent ahead of what the cluster has counted, at most.</summary>
    public int RegistrationWindow { get; init; } = 30_000;
    public int Seed { get; init; } = 7;

    public void Validate()
    {
        if (Clients < 1) throw new ArgumentException("--clients must be at least 1");
        if (Rate < 0 || !double.IsFinite(Rate)) throw new ArgumentException("--rate must be >= 0 (0: no limit)");
        if (Duration <= TimeSpan.Zero) throw new ArgumentException("--duration must be > 0");
        if (Transport is not ("direct" or "kafka")) throw new ArgumentException($"--transport '{Transport}' is not direct or kafka");
        if (!(MedianTrainingSeconds > 0)) throw new ArgumentException("--training-time must be > 0");
    }
}

/// <summary>A moment of a running load test, for the progress bar.</summary>
public sealed record LoadProgress(string Phase, double Fraction, long ModelVersion, long Sent, long Folded, double FoldedPerSecond, int Training, double FoldedP50Ms);

/// <summary>
/// Drives simulated client actors against a cluster this process is a member of: creates them, registers them all
/// (measuring memory before and after), lets the selector invite them for <see cref="LoadTestOptions.Duration"/>, and
/// reports throughput, latencies, staleness, rejects and memory per registered client.
/// </summary>
public static class LoadTestDriver
{
    private const int GroupSize = 1000;

    public static ClientPopulation Population(LoadTestOptions o, IReadOnlyList<int>? samples = null)
    {
        var rng = new Random(Simulation.Randomness.Derive(o.Seed, 0x10AD));
        var sizes = samples?.ToArray() ?? Enumerable.Range(0, o.Clients).Select(_ => Math.Max(1, (int)Math.Round(Simulation.Randomness.NextLogNormal(rng, o.MedianSamples, 1.0)))).ToArray();
        double perSample = o.MedianTrainingSeconds / o.MedianSamples;
        var heterogeneity = new ClientHeterogeneity(MedianSecondsPerSampleEpoch: perSample, SpeedSigma: 1.0, AttemptJitterSigma: 0.2,
            MedianNetworkDelay: 0.1, NetworkSigma: 0.5, DropoutProbability: o.DropoutProbability, MedianRejoinDelay: 30,
            OfflineProbability: o.OfflineProbability, MeanOfflineDuration: 20 * o.MedianTrainingSeconds);
        // Compute time is samples x seconds per sample: a client with more data takes longer, as a real one does.
        var speeds = sizes.Select(_ => Simulation.Randomness.NextLogNormal(rng, perSample, heterogeneity.SpeedSigma)).ToArray();
        return new ClientPopulation(sizes, speeds, heterogeneity, o.Seed);
    }

    /// <param name="samples">Each client's data size (a learning task's shard sizes); null draws them lognormal.</param>
    public static async Task<LoadReport> RunAsync(LoadTarget target, LoadTestOptions options, ILocalWork? work = null,
        IProgress<LoadProgress>? progress = null, CancellationToken cancellation = default, IReadOnlyList<int>? samples = null)
    {
        options.Validate();
        var system = target.System;
        var population = Population(options, samples);
        work ??= new SyntheticWork(await Dimension(target), c => population.Samples(c));
        var tracker = new LoadTracker();
        // The simulated clients share one producer (a real fleet has one each): a longer linger batches their messages.
        var producerConfig = new ProducerConfig(target.Producer.ToDictionary(kv => kv.Key, kv => kv.Value)) { LingerMs = 20 };
        using var producer = new ProducerBuilder<string, byte[]>(producerConfig).Build();
        IClientTransport transport = options.Transport == "kafka"
            ? new KafkaTransport(producer, target.Topics, options.Binary)
            : new DirectTransport(target.ClientRegion);
        var selection = await target.Selector.Ask<SelectionProtocol.SelectionStatus>(new SelectionProtocol.GetSelection(), TimeSpan.FromSeconds(30), cancellation);
        var context = new SimulationContext(population, work, transport, tracker, target.Aggregator, new RateGate(options.Rate))
        {
            WaitForInvitations = selection.Enabled,
            HeartbeatInterval = options.HeartbeatInterval,
            SequenceBase = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000,   // later than any earlier run's
        };

        long baseline = FullGcHeap();
        var clients = await CreateClients(system, options.Clients, context, cancellation);
        long afterActors = FullGcHeap();

        // Invitations: on the cluster for direct clients; from the invitations topic for Kafka clients, as outside devices read them.
        var router = system.ActorOf(Props.Create(() => new InvitationRouter(clients, options.Transport == "direct")), $"load-invitations-{Guid.NewGuid():N}");
        var monitor = system.ActorOf(Props.Create(() => new FoldMonitor(tracker)), $"load-monitor-{Guid.NewGuid():N}");
        // Publish-subscribe reaches a new subscriber once every node's mediator has gossiped it: an invitation published
        // before that is lost, and its slot stays taken until the invitation times out. Wait until all members know.
        if (options.Transport == "direct") await SubscribedEverywhere(system, SelectionProtocol.InvitationsTopic, cancellation);
        using var stopReaders = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var broadcastsAssigned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var invitationsAssigned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var readers = new List<Task> { Reader(() => ReadBroadcasts(target, tracker, broadcastsAssigned, stopReaders.Token)) };
        if (options.Transport == "kafka") readers.Add(Reader(() => ReadInvitations(target, router, invitationsAssigned, stopReaders.Token)));
        else invitationsAssigned.SetResult();
        // A consumer group's first assignment takes seconds; reading starts before the first client registers.
        await Task.WhenAny(Task.WhenAll(broadcastsAssigned.Task, invitationsAssigned.Task), Task.Delay(TimeSpan.FromSeconds(30), cancellation));
        static Task Reader(Action read) => Task.Factory.StartNew(read, TaskCreationOptions.LongRunning);

        // Register in chunks of RegistrationWindow, each once the last is counted. A burst beyond that would only queue
        // (in the shard region, or on the registration topic, where the dev broker keeps 5 MiB a partition and drops the
        // rest); a trickle would be slow on the dev broker, which serves one producer batch per partition per fetch. The
        // nodes' client indexes count registered clients; they report every second.
        var registering = Stopwatch.StartNew();
        int started = 0, known = 0;
        while (registering.Elapsed < options.RegistrationTimeout && !cancellation.IsCancellationRequested)
        {
            if (known >= started)
                for (int end = Math.Min(clients.Length, started + options.RegistrationWindow); started < end; started++)
                    clients[started].Tell(new SimulatedClientProtocol.Start());
            known = (await Status(target)).KnownClients;
            progress?.Report(new LoadProgress("registering", (double)known / options.Clients, 0, tracker.Sent, tracker.FoldedCount, 0, 0, 0));
            if (known >= options.Clients) break;
            await Task.Delay(200, cancellation);
        }
        for (; started < clients.Length; started++) clients[started].Tell(new SimulatedClientProtocol.Start());   // timed out: the rest go anyway
        registering.Stop();
        long afterRegistration = FullGcHeap();

        // The measured window.
        var startStatus = await Status(target);
        long foldedAtStart = tracker.FoldedCount;
        long sentAtStart = tracker.Sent;
        tracker.StartWindow();
        var window = Stopwatch.StartNew();
        long lastFolded = foldedAtStart;
        var lastAt = window.Elapsed;
        while (window.Elapsed < options.Duration && !cancellation.IsCancellationRequested)
        {
            try { await Task.Delay(TimeSpan.FromSeconds(1), cancellation); } catch (OperationCanceledException) { break; }
            var s = await Status(target);
            var sel = await target.Selector.Ask<SelectionProtocol.SelectionStatus>(new SelectionProtocol.GetSelection(), TimeSpan.FromSeconds(30));
            long folded = tracker.FoldedCount;
            var now = window.Elapsed;
            double rate = (folded - lastFolded) / Math.Max(1e-3, (now - lastAt).TotalSeconds);
            (lastFolded, lastAt) = (folded, now);
            progress?.Report(new LoadProgress("running", Math.Min(1, now / options.Duration), s.DurableVersion.Value, tracker.Sent, folded, rate, sel.Training, 0));
        }
        window.Stop();
        long foldedTotal = tracker.FoldedCount;   // before the aggregator is asked: everything counted here was accepted by then
        long foldedInWindow = foldedTotal - foldedAtStart;
        long sentInWindow = tracker.Sent - sentAtStart;
        var endStatus = await Status(target);
        var staleness = await target.Aggregator.Ask<AggregatorProtocol.StalenessHistogram>(new AggregatorProtocol.GetStaleness(), TimeSpan.FromSeconds(30));
        var endSelection = await target.Selector.Ask<SelectionProtocol.SelectionStatus>(new SelectionProtocol.GetSelection(), TimeSpan.FromSeconds(30));
        await stopReaders.CancelAsync();
        try { await Task.WhenAll(readers); } catch (OperationCanceledException) { }
        long workingSet = Environment.WorkingSet;
        foreach (var c in clients) c.Tell(PoisonPill.Instance);
        system.Stop(router);
        system.Stop(monitor);
        producer.Flush(TimeSpan.FromSeconds(10));

        return new LoadReport(
            options, work.Dimension, selection.Strategy, selection.Concurrency, selection.Enabled,
            new RegistrationFigures(known, registering.Elapsed.TotalSeconds, known / Math.Max(1e-3, registering.Elapsed.TotalSeconds)),
            new UpdateFigures(tracker.Sent, tracker.Durable, foldedTotal, tracker.Rejected, new Dictionary<string, long>(tracker.RejectedByReason),
                endStatus.UpdatesRejected - startStatus.UpdatesRejected,
                endStatus.RejectedByReason.Select(r => (Reason: r.Key, Count: r.Value - startStatus.RejectedByReason.GetValueOrDefault(r.Key)))
                    .Where(r => r.Count > 0).ToDictionary(r => Core.Validation.RejectReasons.WireName(r.Reason), r => r.Count),
                sentInWindow / window.Elapsed.TotalSeconds, foldedInWindow / window.Elapsed.TotalSeconds, window.Elapsed.TotalSeconds,
                tracker.TransportFailures),
            new LatencyFigures(tracker.Acknowledged.Summary(), tracker.Folded.Summary(), tracker.Broadcast.Summary(),
                tracker.Folded.OverTime(tracker.WindowStart, window.Elapsed / 10, 10)),
            new StalenessFigures(staleness.Count, staleness.Mean, staleness.Max, staleness.Counts.ToDictionary(c => c.Key, c => c.Value)),
            new ClientBehaviourFigures(tracker.Invitations, tracker.Dropouts, tracker.OfflineSpells, tracker.Heartbeats, endSelection.Training, endSelection.TimedOut),
            new MemoryFigures(baseline, afterActors, afterRegistration, workingSet, options.Clients),
            endStatus.DurableVersion.Value - startStatus.DurableVersion.Value, endStatus.DurableVersion.Value);
    }

    /// <summary>Until every Up member's mediator lists <paramref name="topic"/> (only this run subscribes to it), at most 30 s.</summary>
    private static async Task SubscribedEverywhere(ActorSystem system, string topic, CancellationToken cancellation)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30) && !cancellation.IsCancellationRequested)
        {
            var members = cluster.State.Members.Where(m => m.Status == Akka.Cluster.MemberStatus.Up).Select(m => m.Address).ToList();
            var known = await Task.WhenAll(members.Select(async a =>
            {
                try
                {
                    var mediator = system.ActorSelection(new RootActorPath(a) / "system" / "distributedPubSubMediator");
                    return (await mediator.Ask<CurrentTopics>(GetTopics.Instance, TimeSpan.FromSeconds(5), cancellation)).Topics.Contains(topic);
                }
                catch (AskTimeoutException) { return false; }
            }));
            if (known.All(k => k)) return;
            await Task.Delay(100, cancellation);
        }
    }

    private static async Task<int> Dimension(LoadTarget target) => (await Status(target)).Dimension;

    private static Task<AggregatorProtocol.Status> Status(LoadTarget target) =>
        target.Aggregator.Ask<AggregatorProtocol.Status>(new AggregatorProtocol.GetStatus(), TimeSpan.FromSeconds(30));

    private static long FullGcHeap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>Clients are children of groups of a thousand, so no one parent holds a million children.</summary>
    private static async Task<IActorRef[]> CreateClients(ActorSystem system, int count, SimulationContext context, CancellationToken cancellation)
    {
        var all = new IActorRef[count];
        string run = Guid.NewGuid().ToString("N")[..8];
        var groups = new List<Task>();
        for (int from = 0; from < count; from += GroupSize)
        {
            int start = from, n = Math.Min(GroupSize, count - from);
            var group = system.ActorOf(Props.Create(() => new ClientGroup()), $"sim-{run}-{start / GroupSize}");
            groups.Add(group.Ask<IActorRef[]>(new ClientGroup.Create(start, n, context), TimeSpan.FromMinutes(2), cancellation)
                .ContinueWith(t => Array.Copy(t.Result, 0, all, start, n), TaskContinuationOptions.OnlyOnRanToCompletion));
        }
        await Task.WhenAll(groups);
        return all;
    }

    private static void ReadBroadcasts(LoadTarget target, LoadTracker tracker, TaskCompletionSource assigned, CancellationToken stop) =>
        ReadTopic(target, target.Topics.GlobalModel, "load-broadcasts", AutoOffsetReset.Latest, assigned, stop,
            value => tracker.OnBroadcast(JsonWire.DecodeBroadcast(value).Version.Value));

    /// <summary>From the start of the topic (nothing is skipped while the group joins); invitations past their deadline are dropped.</summary>
    private static void ReadInvitations(LoadTarget target, IActorRef router, TaskCompletionSource assigned, CancellationToken stop) =>
        ReadTopic(target, target.Topics.ClientInvitations, "load-invitations", AutoOffsetReset.Earliest, assigned, stop, value =>
        {
            var i = JsonWire.DecodeInvitation(value);
            if (i.ReportBy >= DateTimeOffset.UtcNow) router.Tell(new Core.Selection.Invitation(i.ClientId, i.ModelVersion, i.Timestamp, i.ReportBy));
        });

    /// <summary>A fresh consumer group on one topic until stopped; a record that does not decode is skipped.</summary>
    private static void ReadTopic(LoadTarget target, string topic, string group, AutoOffsetReset reset, TaskCompletionSource assigned,
        CancellationToken stop, Action<byte[]> handle)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(Reader(target, group, reset))
            .SetPartitionsAssignedHandler((_, _) => assigned.TrySetResult()).Build();
        consumer.Subscribe(topic);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { Message.Value: { } value }) handle(value);
            }
            catch (ConsumeException) { }
            catch (WireFormatException) { }
        }
        consumer.Close();
    }

    private static ConsumerConfig Reader(LoadTarget target, string group, AutoOffsetReset reset) => new()
    {
        BootstrapServers = target.BootstrapServers,
        GroupId = $"{group}-{Guid.NewGuid():N}",
        AutoOffsetReset = reset,
        EnableAutoCommit = true,
        FetchWaitMaxMs = 10,
        SessionTimeoutMs = 6000,
        HeartbeatIntervalMs = 1000,
    };

    private sealed class ClientGroup : ReceiveActor
    {
        public sealed record Create(int From, int Count, SimulationContext Context);

        public ClientGroup() => Receive<Create>(c =>
            Sender.Tell(Enumerable.Range(c.From, c.Count).Select(i => Context.ActorOf(SimulatedClientActor.Props(i, c.Context), i.ToString())).ToArray()));
    }

    /// <summary>Hands each invitation to its client (by the index in its id).</summary>
    private sealed class InvitationRouter : ReceiveActor
    {
        public InvitationRouter(IActorRef[] clients, bool fromCluster)
        {
            if (fromCluster) DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(SelectionProtocol.InvitationsTopic, Self));
            Receive<SubscribeAck>(_ => { });
            Receive<SelectionProtocol.InvitationsIssued>(issued =>
            {
                foreach (var i in issued.Invitations) Route(i);
            });
            Receive<Core.Selection.Invitation>(Route);

            void Route(Core.Selection.Invitation i)
            {
                int index = SimulationContext.IndexOf(i.ClientId);
                if (index >= 0 && index < clients.Length) clients[index].Tell(new SimulatedClientProtocol.Invite(i));
            }
        }
    }

    /// <summary>Matches each published version's folded keys to the sends it finishes.</summary>
    private sealed class FoldMonitor : ReceiveActor
    {
        public FoldMonitor(LoadTracker tracker)
        {
            DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(AggregatorProtocol.VersionsTopic, Self));
            Receive<SubscribeAck>(_ => { });
            Receive<AggregatorProtocol.VersionPublished>(p => tracker.OnFolded(p.Version.Value, p.Info.FoldedKeys));
        }
    }
}
