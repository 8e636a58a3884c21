using FedActors.Core.Selection;

namespace FedActors.Cluster.Selection;

/// <summary>The ClientSelectorActor's protocol.</summary>
public static class SelectionProtocol
{
    /// <summary>
    /// From a ClientActor: the client registered or sent a heartbeat; it can be invited when idle. A registration also
    /// voids an invitation the client still held (it restarted).
    /// </summary>
    public sealed record ClientSeen(SelectionCandidate Candidate, bool Registration = false);

    /// <summary>From a ClientActor: the client's update came in, so it is idle again and its slot, if invited, is free.</summary>
    public sealed record ClientReported(SelectionCandidate Candidate);

    /// <summary>From a ClientActor: inactive or left.</summary>
    public sealed record ClientGone(string ClientId);

    /// <summary>Published on <see cref="InvitationsTopic"/> (and to the invitation sink, the Kafka topic) as slots are filled.</summary>
    public sealed record InvitationsIssued(IReadOnlyList<Invitation> Invitations, SelectionCriteria Criteria, string Strategy);

    public sealed record GetSelection;

    public sealed record SelectionStatus(
        string Strategy, bool Enabled, int Concurrency, int Training, int Idle, int Known, long Invitations, long Reports, long TimedOut,
        SelectionCriteria Criteria, TimeSpan InvitationTimeout);

    public const string InvitationsTopic = "fl-invitations";
}

/// <summary>Where invitations go outside the cluster (the Kafka adapter writes the client-invitations topic).</summary>
public interface IInvitationSink
{
    void Send(SelectionProtocol.InvitationsIssued invitations);
}
