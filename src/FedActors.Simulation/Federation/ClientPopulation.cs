using FedActors.Simulation.Data;

namespace FedActors.Simulation.Federation;

/// <summary>
/// How clients differ, in virtual seconds. Compute speed is a persistent property of a client (a slow phone stays
/// slow), drawn lognormal across clients; every training attempt adds jitter, network delay each way, and may drop
/// out (never report; the client is gone for a while) or go offline part-way and report late (a stale update).
/// </summary>
public sealed record ClientHeterogeneity(
    double MedianSecondsPerSampleEpoch = 1.0,
    double SpeedSigma = 1.0,
    double AttemptJitterSigma = 0.2,
    double MedianNetworkDelay = 2.0,
    double NetworkSigma = 0.5,
    double DropoutProbability = 0.05,
    double MedianRejoinDelay = 600,
    double OfflineProbability = 0.05,
    double MeanOfflineDuration = 1800)
{
    /// <summary>No jitter, network, dropouts or offline periods: compute time only, for handcrafted tests.</summary>
    public static ClientHeterogeneity ComputeOnly => new(SpeedSigma: 0, AttemptJitterSigma: 0, MedianNetworkDelay: 0, NetworkSigma: 0,
        DropoutProbability: 0, OfflineProbability: 0);

    public void Validate()
    {
        if (!(MedianSecondsPerSampleEpoch > 0)) throw new ArgumentOutOfRangeException(nameof(MedianSecondsPerSampleEpoch));
        if (SpeedSigma < 0 || AttemptJitterSigma < 0 || NetworkSigma < 0 || MedianNetworkDelay < 0)
            throw new ArgumentOutOfRangeException(nameof(SpeedSigma), "spreads and delays are >= 0");
        if (DropoutProbability is < 0 or > 1 || OfflineProbability is < 0 or > 1 || DropoutProbability + OfflineProbability > 1)
            throw new ArgumentOutOfRangeException(nameof(DropoutProbability), "probabilities are in [0, 1] and sum to at most 1");
        if (MedianRejoinDelay < 0 || MeanOfflineDuration < 0) throw new ArgumentOutOfRangeException(nameof(MedianRejoinDelay));
    }
}

/// <summary>
/// What one training attempt of one client will do, drawn before it starts. Times are from the invitation.
/// A dropped attempt never reports: the client disappears <see cref="DropAfter"/> in and is back
/// <see cref="RejoinDelay"/> later.
/// </summary>
public readonly record struct AttemptPlan(double Download, double Compute, double Offline, double Upload, bool Dropped, double DropAfter, double RejoinDelay)
{
    /// <summary>From invitation to the update reaching the server (meaningless when dropped).</summary>
    public double ReportAfter => Download + Compute + Offline + Upload;
}

/// <summary>
/// The clients of a simulation: their sample counts and compute speeds, and each attempt's plan. An attempt's draws
/// depend only on (seed, client, attempt number), so the same clients straggle, drop and go offline the same way in
/// every mode that uses the same seed.
/// </summary>
public sealed class ClientPopulation
{
    private readonly int[] _samples;
    private readonly double[] _secondsPerSampleEpoch;

    public ClientPopulation(IReadOnlyList<int> samples, IReadOnlyList<double> secondsPerSampleEpoch, ClientHeterogeneity heterogeneity, int seed)
    {
        heterogeneity.Validate();
        if (samples.Count != secondsPerSampleEpoch.Count) throw new ArgumentException("one speed per client");
        if (samples.Count == 0) throw new ArgumentException("at least one client");
        if (samples.Any(s => s < 1)) throw new ArgumentException("every client holds at least one example");
        if (secondsPerSampleEpoch.Any(s => !(s > 0))) throw new ArgumentException("every client's seconds per sample-epoch is > 0");
        _samples = samples.ToArray();
        _secondsPerSampleEpoch = secondsPerSampleEpoch.ToArray();
        Heterogeneity = heterogeneity;
        Seed = seed;
    }

    /// <summary>Speeds drawn lognormal around the median, one per client, from the seed.</summary>
    public static ClientPopulation Draw(IReadOnlyList<Dataset> clients, ClientHeterogeneity heterogeneity, int seed)
    {
        heterogeneity.Validate();
        var rng = new Random(Randomness.Derive(seed, 0x5EED));
        var speeds = clients.Select(_ => rng.NextLogNormal(heterogeneity.MedianSecondsPerSampleEpoch, heterogeneity.SpeedSigma)).ToArray();
        return new ClientPopulation(clients.Select(c => c.Count).ToArray(), speeds, heterogeneity, seed);
    }

    public int Count => _samples.Length;
    public ClientHeterogeneity Heterogeneity { get; }
    public int Seed { get; }
    public int Samples(int client) => _samples[client];
    public double SecondsPerSampleEpoch(int client) => _secondsPerSampleEpoch[client];

    /// <summary>Training time proportional to samples x epochs / speed.</summary>
    public double ComputeTime(int client, int epochs) => _samples[client] * (double)epochs * _secondsPerSampleEpoch[client];

    public AttemptPlan Plan(int client, long attempt, int epochs)
    {
        var h = Heterogeneity;
        var rng = new Random(Randomness.Derive(Seed, 0xA77E, client, attempt));
        double download = Network(rng), upload = Network(rng);
        double compute = ComputeTime(client, epochs) * (h.AttemptJitterSigma > 0 ? rng.NextLogNormal(1, h.AttemptJitterSigma) : 1);
        double fate = rng.NextDouble();
        double fraction = rng.NextDouble();
        if (fate < h.DropoutProbability)
        {
            double rejoin = h.MedianRejoinDelay > 0 ? rng.NextLogNormal(h.MedianRejoinDelay, 1.0) : 0;
            return new AttemptPlan(download, compute, 0, upload, true, download + fraction * compute, rejoin);
        }
        double offline = fate < h.DropoutProbability + h.OfflineProbability ? rng.NextExponential(h.MeanOfflineDuration) : 0;
        return new AttemptPlan(download, compute, offline, upload, false, 0, 0);

        double Network(Random r) => h.MedianNetworkDelay > 0 ? r.NextLogNormal(h.MedianNetworkDelay, h.NetworkSigma) : 0;
    }

    /// <summary>
    /// The <paramref name="quantile"/> of the clients' typical attempt time (compute plus the median network delay
    /// both ways, no jitter, no offline period): what a sensible report deadline is set from.
    /// </summary>
    public double TypicalDurationQuantile(double quantile, int epochs)
    {
        if (quantile is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(quantile));
        var times = Enumerable.Range(0, Count).Select(k => ComputeTime(k, epochs) + 2 * Heterogeneity.MedianNetworkDelay).Order().ToArray();
        return times[(int)Math.Min(times.Length - 1, Math.Ceiling(quantile * times.Length) - 1 < 0 ? 0 : Math.Ceiling(quantile * times.Length) - 1)];
    }
}
