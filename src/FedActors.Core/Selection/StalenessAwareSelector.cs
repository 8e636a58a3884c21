using FedActors.Core.Policies;

namespace FedActors.Core.Selection;

/// <summary>
/// The seed's staleness_aware selection: clients whose recent updates were least stale first; <c>exploration</c>
/// (default 0.1) of the invitations go at random to the others.
/// </summary>
[PolicyName("staleness_aware")]
public sealed class StalenessAwareSelector(PolicyParameters p) : IClientSelector
{
    public double Exploration { get; } = p.GetFraction("exploration", 0.1);
    public string Name => "staleness_aware";
    public bool Ranks => true;
    public double Score(SelectionCandidate candidate) => -candidate.Staleness;
}
