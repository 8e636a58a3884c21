namespace FedActors.Core.Model;

/// <summary>
/// The last few versions of the global model, newest last. A full-weights update is folded as its difference from
/// the model the client trained from, and the seed's FedAvg averages client models, so those base versions are
/// kept: as many as the maximum staleness allows, no more.
/// </summary>
public sealed class ModelHistory
{
    private readonly GlobalModel[] _ring;
    private int _count, _next;

    public ModelHistory(int capacity, GlobalModel current)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), "at least the current model is kept");
        _ring = new GlobalModel[capacity];
        Add(current);
    }

    public int Capacity => _ring.Length;
    public int Count => _count;

    public GlobalModel Current => _ring[(_next - 1 + _ring.Length) % _ring.Length];

    /// <summary>Adds a newer version; returns the parameters of the version that dropped out (to reuse its array), if any.</summary>
    public float[]? Add(GlobalModel model)
    {
        if (_count > 0 && model.Version <= Current.Version)
            throw new ArgumentException($"version {model.Version} is not newer than {Current.Version}", nameof(model));
        if (_count > 0 && model.Dimension != Current.Dimension)
            throw new ArgumentException("the model's dimension cannot change", nameof(model));
        float[]? evicted = _count == _ring.Length ? _ring[_next].Parameters : null;
        _ring[_next] = model;
        _next = (_next + 1) % _ring.Length;
        _count = Math.Min(_count + 1, _ring.Length);
        return evicted;
    }

    public bool TryGet(ModelVersion version, out GlobalModel model)
    {
        long back = version.StalenessAt(Current.Version);
        if (back < 0 || back >= _count) { model = null!; return false; }
        model = _ring[(int)((_next - 1 - back + 2L * _ring.Length) % _ring.Length)];
        return true;
    }

    /// <summary>Oldest first, for snapshots.</summary>
    public IEnumerable<GlobalModel> Versions()
    {
        for (int k = _count - 1; k >= 0; k--)
            yield return _ring[(_next - 1 - k + 2 * _ring.Length) % _ring.Length];
    }
}
