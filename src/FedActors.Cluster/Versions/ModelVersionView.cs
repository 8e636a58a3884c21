using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using FedActors.Cluster.Aggregation;
using FedActors.Core.Model;

namespace FedActors.Cluster.Versions;

/// <summary>
/// This node's view of the current global version: one subscription per node (<see cref="VersionViewActor"/>),
/// read lock-free by every ClientActor on it. It only moves forward.
/// </summary>
public sealed class ModelVersionView : IExtension
{
    private long _current;

    public ModelVersion Current => new(Volatile.Read(ref _current));

    public void Observe(ModelVersion version)
    {
        long seen;
        while ((seen = Volatile.Read(ref _current)) < version.Value)
            if (Interlocked.CompareExchange(ref _current, version.Value, seen) == seen) return;
    }

    public static ModelVersionView Get(ActorSystem system) => system.WithExtension<ModelVersionView, ModelVersionViewProvider>();
}

public sealed class ModelVersionViewProvider : ExtensionIdProvider<ModelVersionView>
{
    public override ModelVersionView CreateExtension(ExtendedActorSystem system) => new();
}

/// <summary>
/// Keeps <see cref="ModelVersionView"/> current: the aggregator's publications on the versions topic, plus a periodic
/// question to the aggregator, since publish-subscribe may drop a message while the singleton moves.
/// </summary>
public sealed class VersionViewActor : ReceiveActor, IWithTimers
{
    private sealed record Poll;

    public VersionViewActor(IActorRef aggregator, TimeSpan pollInterval)
    {
        var view = ModelVersionView.Get(Context.System);
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(AggregatorProtocol.VersionsTopic, Self));
        Receive<SubscribeAck>(_ => { });
        Receive<AggregatorProtocol.VersionPublished>(p => view.Observe(p.Version));
        Receive<AggregatorProtocol.CurrentVersion>(c => view.Observe(c.Version));
        Receive<Poll>(_ => aggregator.Tell(new AggregatorProtocol.GetCurrentVersion()));
        Timers!.StartPeriodicTimer("poll", new Poll(), TimeSpan.Zero, pollInterval);
    }

    public ITimerScheduler Timers { get; set; } = null!;
}
