using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using FedActors.Cluster.Clients;
using FedActors.Core.Model;

namespace FedActors.Cluster.Tests;

internal static class Updates
{
    public static ClientUpdate Delta(string client, long seq, long baseVersion, int dimension, float value = 0.01f, long samples = 100) =>
        new(client, seq, new ModelVersion(baseVersion), UpdateKind.Delta, Enumerable.Repeat(value, dimension).ToArray(), samples,
            TrainingLoss: 0.5, TrainingAccuracy: 0.8, TrainingDuration: TimeSpan.FromSeconds(3));

    public static ClientProtocol.SubmitUpdate Submit(ClientUpdate update, IActorRef replyTo) => new(update, null, replyTo);

    public static TestProbe Probe(ActorSystem system) => new(system, new XunitAssertions());
}
