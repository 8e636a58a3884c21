using FedActors.Core.Model;

namespace FedActors.Core.Tests;

public class ModelHistoryTests
{
    [Fact]
    public void Keeps_the_newest_versions_and_hands_back_the_evicted_array()
    {
        var v0 = new GlobalModel(new ModelVersion(0), [0f]);
        var history = new ModelHistory(2, v0);
        Assert.Null(history.Add(new GlobalModel(new ModelVersion(1), [1f])));
        var evicted = history.Add(new GlobalModel(new ModelVersion(2), [2f]));
        Assert.Same(v0.Parameters, evicted);
        Assert.False(history.TryGet(new ModelVersion(0), out _));
        Assert.True(history.TryGet(new ModelVersion(1), out var m1));
        Assert.Equal(1f, m1.Parameters[0]);
        Assert.Equal(new ModelVersion(2), history.Current.Version);
        Assert.False(history.TryGet(new ModelVersion(3), out _));
        Assert.Equal(new long[] { 1, 2 }, history.Versions().Select(m => m.Version.Value));
    }

    [Fact]
    public void Refuses_an_older_version_or_another_dimension()
    {
        var history = new ModelHistory(3, new GlobalModel(new ModelVersion(5), [0f]));
        Assert.Throws<ArgumentException>(() => history.Add(new GlobalModel(new ModelVersion(5), [0f])));
        Assert.Throws<ArgumentException>(() => history.Add(new GlobalModel(new ModelVersion(6), [0f, 1f])));
    }
}
