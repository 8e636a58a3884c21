using FedActors.Core.Policies;

namespace FedActors.Core.Selection;

/// <summary>Uniformly at random among the eligible clients (FedAvg's and FedBuff's sampling).</summary>
[PolicyName("random")]
public sealed class RandomSelector : IClientSelector
{
    public RandomSelector(PolicyParameters parameters) { }
    public string Name => "random";
    public bool Ranks => false;
    public double Score(SelectionCandidate candidate) => 0;
    public double Exploration => 1;
}
