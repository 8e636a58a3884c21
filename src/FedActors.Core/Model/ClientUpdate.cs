namespace FedActors.Core.Model;

/// <summary>Identifies one update of one client, so that a redelivered update is folded at most once.</summary>
public readonly record struct IdempotencyKey(string ClientId, long Sequence)
{
    public override string ToString() => $"{ClientId}#{Sequence}";
}

/// <summary>One client's contribution: its parameters trained from <see cref="BaseVersion"/>, and what it reports about the training.</summary>
public sealed record ClientUpdate(
    string ClientId,
    long Sequence,
    ModelVersion BaseVersion,
    UpdateKind Kind,
    ReadOnlyMemory<float> Parameters,
    long NumSamples,
    double? TrainingLoss = null,
    double? TrainingAccuracy = null,
    TimeSpan? TrainingDuration = null)
{
    public IdempotencyKey Key => new(ClientId, Sequence);

    /// <summary>Bytes the update's parameters occupy; what the buffer's memory limit counts.</summary>
    public long PayloadBytes => (long)Parameters.Length * sizeof(float);
}
