using FedActors.Core.Policies;

namespace FedActors.Core.Selection;

/// <summary>
/// resource_aware selection: clients with the most compute first (what they declare in client_resources);
/// <c>exploration</c> (default 0.1) of the invitations go at random to the others.
/// </summary>
[PolicyName("resource_aware")]
public sealed class ResourceAwareSelector(PolicyParameters p) : IClientSelector
{
    public double Exploration { get; } = p.GetFraction("exploration", 0.1);
    public string Name => "resource_aware";
    public bool Ranks => true;
    public double Score(SelectionCandidate candidate) => candidate.Compute;
}
