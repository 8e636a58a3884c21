using FedActors.Core.Policies;

namespace FedActors.Core.Selection;

/// <summary>
/// A client that could be invited to train, and what is known of it. <see cref="Staleness"/> is the mean staleness
/// of its recent updates (the seed's client_staleness; 0 for a client with no update yet), <see cref="Compute"/> how
/// much compute it has (<see cref="ComputeScore"/>), <see cref="NumSamples"/> its data (0: not said yet).
/// </summary>
public sealed record SelectionCandidate(string ClientId, long NumSamples, double Staleness, double Compute);

/// <summary>The seed's client_selection_criteria: who may be invited at all.</summary>
public sealed record SelectionCriteria(long MinSamples = 100, long MaxStaleness = 5)
{
    /// <summary>
    /// A client whose sample count is not known yet (it registered but never sent an update) is eligible: the
    /// criterion applies once it has said how much data it holds.
    /// </summary>
    public bool Admits(SelectionCandidate c) => (c.NumSamples == 0 || c.NumSamples >= MinSamples) && c.Staleness <= MaxStaleness;

    public void Validate()
    {
        if (MinSamples < 0) throw new PolicyConfigurationException($"client selection: min-samples must be >= 0, got {MinSamples}");
        if (MaxStaleness < 0) throw new PolicyConfigurationException($"client selection: max-staleness must be >= 0, got {MaxStaleness}");
    }
}

/// <summary>
/// Whom to invite next among the eligible idle clients (the seed's ClientSelector): a preference score, and the share
/// of invitations that go uniformly at random instead (exploration, so that clients a ranking never favours still
/// contribute their data: a pure ranking over non-IID clients trains on a fixed subset). <see cref="TrainingPacer"/>
/// keeps the pool ordered by the score, so a selection costs O(log n) per invitation even with a million clients.
/// Implementations are one file each, named with <see cref="PolicyNameAttribute"/>.
/// </summary>
public interface IClientSelector
{
    string Name { get; }

    /// <summary>False: every candidate is as good as any other (uniform sampling; the score is not used).</summary>
    bool Ranks { get; }

    /// <summary>Higher is invited first. Read when a candidate enters the pool.</summary>
    double Score(SelectionCandidate candidate);

    /// <summary>In [0, 1]: the share of each batch of invitations drawn uniformly at random (1 for a selector that does not rank).</summary>
    double Exploration { get; }
}

public static class ClientSelectors
{
    public static IClientSelector Create(string name, PolicyParameters? parameters = null) =>
        PolicyRegistry<IClientSelector>.Create(name, parameters);

    public static IReadOnlyList<string> Names => PolicyRegistry<IClientSelector>.Names;
}

/// <summary>What a client declares (the seed's client_resources) as one number: cores, times 4 with a GPU; 1 if unknown.</summary>
public static class ComputeScore
{
    public static double From(Clients.ClientCapabilities? c) => c is null ? 1 : Math.Max(1, c.CpuCores) * (c.GpuAvailable ? 4 : 1);
}
