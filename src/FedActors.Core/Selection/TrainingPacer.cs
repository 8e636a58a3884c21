using FedActors.Core.Model;

namespace FedActors.Core.Selection;

/// <summary>How many clients train at once, for how long an invitation holds, and who may be invited.</summary>
/// <param name="Concurrency">Clients training at once (FedBuff's concurrency); 0 turns invitations off.</param>
/// <param name="InvitationTimeout">An invited client that has not reported by then is given up on (it dropped out): its slot goes to another.</param>
/// <param name="Criteria">The seed's client_selection_criteria.</param>
public sealed record PacingSettings(int Concurrency, TimeSpan InvitationTimeout, SelectionCriteria Criteria)
{
    public void Validate()
    {
        if (Concurrency < 0) throw new Policies.PolicyConfigurationException($"client selection: concurrency must be >= 0, got {Concurrency}");
        if (InvitationTimeout <= TimeSpan.Zero) throw new Policies.PolicyConfigurationException("client selection: invitation-timeout must be > 0");
        Criteria.Validate();
    }
}

/// <summary>An invitation to train on <see cref="Version"/>, to report by <see cref="Deadline"/>.</summary>
public sealed record Invitation(string ClientId, ModelVersion Version, DateTimeOffset At, DateTimeOffset Deadline);

/// <summary>
/// The seed's ClientSelector done for asynchronous FL: keeps <see cref="PacingSettings.Concurrency"/> clients
/// training and invites the next as each reports, times out or leaves. Clients enter the pool of idle candidates when
/// they are seen (registration, heartbeat, a reported update) and leave it when invited or gone; a client the criteria
/// do not admit is kept out of the pool until what is known of it changes. Pure and deterministic given the seed.
/// </summary>
public sealed class TrainingPacer
{
    private sealed class Entry(SelectionCandidate candidate)
    {
        public SelectionCandidate Candidate = candidate;
        public int IdleIndex = -1;            // position in _idle, or -1
        public (double, long, string)? RankKey;  // its key in _ranked while idle
        public Invitation? Invited;
    }

    private readonly IClientSelector _selector;
    private readonly PacingSettings _settings;
    private readonly Random _rng;
    private readonly Dictionary<string, Entry> _clients = new(StringComparer.Ordinal);
    private readonly List<Entry> _idle = new();   // eligible and idle, for uniform sampling
    private readonly SortedSet<(double NegScore, long Tie, string Id)> _ranked = new();   // the same, best first
    private readonly Dictionary<string, Invitation> _invited = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, DateTimeOffset> _deadlines = new();
    private double _explorationCredit;   // the exploration share owed, carried from batch to batch

    public TrainingPacer(IClientSelector selector, PacingSettings settings, int seed)
    {
        settings.Validate();
        _selector = selector;
        _settings = settings;
        _rng = new Random(seed);
    }

    public PacingSettings Settings => _settings;
    public string Strategy => _selector.Name;
    public int Known => _clients.Count;
    public int Idle => _idle.Count;
    public int Training => _invited.Count;
    public long Invitations { get; private set; }
    public long Reports { get; private set; }
    public long TimedOut { get; private set; }

    public bool IsInvited(string clientId) => _invited.ContainsKey(clientId);

    /// <summary>A client is there and idle (registered, heartbeat, or sent an update): it is a candidate, if admitted.</summary>
    public void Seen(SelectionCandidate candidate)
    {
        if (!_clients.TryGetValue(candidate.ClientId, out var entry))
        {
            entry = new Entry(candidate);
            _clients[candidate.ClientId] = entry;
        }
        else
        {
            // Heartbeats repeat what is known: nothing to re-rank (a million clients beat every minute).
            if (entry.Candidate == candidate && (entry.Invited is not null || entry.IdleIndex >= 0 || !_settings.Criteria.Admits(candidate))) return;
            RemoveIdle(entry);
            entry.Candidate = candidate;
        }
        if (entry.Invited is null) AddIdle(entry);
    }

    /// <summary>
    /// A client registered (again): a device that restarts has lost what it was doing, so an invitation it still held
    /// is void and its slot free; it is a candidate.
    /// </summary>
    public void Registered(SelectionCandidate candidate)
    {
        if (_invited.Remove(candidate.ClientId) && _clients.TryGetValue(candidate.ClientId, out var e)) e.Invited = null;
        Seen(candidate);
    }

    /// <summary>A client's update came in: if it was invited its slot is free; it is a candidate again.</summary>
    public void Reported(SelectionCandidate candidate)
    {
        if (_invited.Remove(candidate.ClientId) && _clients.TryGetValue(candidate.ClientId, out var e))
        {
            e.Invited = null;
            Reports++;
        }
        Seen(candidate);
    }

    /// <summary>Inactive or left: out of the pool, and its slot, if it had one, is free.</summary>
    public void Gone(string clientId)
    {
        if (!_clients.Remove(clientId, out var entry)) return;
        RemoveIdle(entry);
        _invited.Remove(clientId);
    }

    /// <summary>Invitations past their deadline end: the client is taken to have dropped out and leaves the pool until it is seen again.</summary>
    public IReadOnlyList<Invitation> Expire(DateTimeOffset now)
    {
        List<Invitation>? expired = null;
        while (_deadlines.TryPeek(out var id, out var deadline) && deadline <= now)
        {
            _deadlines.Dequeue();
            // A deadline is stale if the client reported (or was invited again since): only the current invitation counts.
            if (!_invited.TryGetValue(id, out var invitation) || invitation.Deadline != deadline) continue;
            _invited.Remove(id);
            if (_clients.Remove(id, out var entry)) RemoveIdle(entry);
            TimedOut++;
            (expired ??= new()).Add(invitation);
        }
        return expired ?? (IReadOnlyList<Invitation>)[];
    }

    /// <summary>Invites as many clients as there are free slots, on <paramref name="version"/>.</summary>
    public IReadOnlyList<Invitation> Fill(ModelVersion version, DateTimeOffset now)
    {
        int free = Math.Min(_settings.Concurrency - _invited.Count, _idle.Count);
        if (free <= 0) return [];
        var invitations = new List<Invitation>(free);
        // The exploration share is carried over from batch to batch: rounding each batch on its own would never
        // explore when invitations go out one at a time (round(1 x 0.1) = 0), which is what a steady stream of
        // reports produces.
        int random = free;
        if (_selector.Ranks)
        {
            _explorationCredit += free * _selector.Exploration;
            random = Math.Min(free, (int)Math.Floor(_explorationCredit + 1e-9));
            _explorationCredit = Math.Max(0, _explorationCredit - random);
        }
        for (int k = 0; k < free - random && _ranked.Count > 0; k++) Invite(_clients[_ranked.Min.Id]);
        for (int k = 0; k < random && _idle.Count > 0; k++) Invite(_idle[_rng.Next(_idle.Count)]);
        return invitations;

        void Invite(Entry entry)
        {
            RemoveIdle(entry);
            var invitation = new Invitation(entry.Candidate.ClientId, version, now, now + _settings.InvitationTimeout);
            entry.Invited = invitation;
            _invited[invitation.ClientId] = invitation;
            _deadlines.Enqueue(invitation.ClientId, invitation.Deadline);
            Invitations++;
            invitations.Add(invitation);
        }
    }

    private void AddIdle(Entry entry)
    {
        if (!_settings.Criteria.Admits(entry.Candidate)) return;
        entry.IdleIndex = _idle.Count;
        _idle.Add(entry);
        if (!_selector.Ranks) return;
        var key = (-_selector.Score(entry.Candidate), _rng.NextInt64(), entry.Candidate.ClientId);
        entry.RankKey = key;
        _ranked.Add(key);
    }

    private void RemoveIdle(Entry entry)
    {
        if (entry.IdleIndex < 0) return;
        // Swap-remove keeps sampling O(1).
        var last = _idle[^1];
        _idle[entry.IdleIndex] = last;
        last.IdleIndex = entry.IdleIndex;
        _idle.RemoveAt(_idle.Count - 1);
        entry.IdleIndex = -1;
        if (entry.RankKey is { } key) _ranked.Remove(key);
        entry.RankKey = null;
    }
}
