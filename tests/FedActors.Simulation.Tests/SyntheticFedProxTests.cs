using FedActors.Simulation.Data;

namespace FedActors.Simulation.Tests;

public class SyntheticFedProxTests
{
    [Fact]
    public void The_same_seed_gives_the_same_data_and_another_seed_other_data()
    {
        var a = SyntheticFedProx.Generate(1, 1, 10, seed: 5);
        var b = SyntheticFedProx.Generate(1, 1, 10, seed: 5);
        var c = SyntheticFedProx.Generate(1, 1, 10, seed: 6);
        for (int k = 0; k < 10; k++)
        {
            Assert.Equal(a.Clients[k].Features, b.Clients[k].Features);
            Assert.Equal(a.Clients[k].Labels, b.Clients[k].Labels);
        }
        Assert.Equal(a.Test.Labels, b.Test.Labels);
        Assert.NotEqual(a.Clients[0].Features, c.Clients[0].Features);
    }

    [Fact]
    public void Shapes_sizes_and_the_held_out_split_follow_the_reference_generator()
    {
        var data = SyntheticFedProx.Generate(1, 1, 30, seed: 2);
        Assert.Equal(30, data.Clients.Count);
        Assert.Equal(60, data.FeatureCount);
        Assert.Equal(10, data.ClassCount);
        // lognormal(4, 2) + 50 examples, 90% in the shard: at least 45 each, and very unequal.
        Assert.All(data.Clients, c => Assert.True(c.Count >= 45));
        Assert.True(data.Clients.Max(c => c.Count) > 10 * data.Clients.Min(c => c.Count));
        double testShare = data.Test.Count / (double)(data.Test.Count + data.TrainingExamples);
        Assert.InRange(testShare, 0.08, 0.12);
    }

    [Fact]
    public void Larger_beta_moves_the_clients_feature_means_further_apart()
    {
        static double SpreadOfClientMeans(double beta)
        {
            var data = SyntheticFedProx.Generate(1, beta, 40, seed: 9, maxSamplesPerClient: 100);
            var means = data.Clients.Select(c => c.Features.Average(v => (double)v)).ToArray();
            double m = means.Average();
            return means.Average(v => (v - m) * (v - m));
        }
        double none = SpreadOfClientMeans(0), some = SpreadOfClientMeans(1), more = SpreadOfClientMeans(3);
        Assert.True(some > 10 * none, $"beta 1: {some}, beta 0: {none}");
        Assert.True(more > 4 * some, $"beta 3: {more}, beta 1: {some}");
    }

    [Fact]
    public void Clients_label_distributions_differ_far_more_than_an_iid_split_of_the_same_examples()
    {
        var data = SyntheticFedProx.Generate(1, 1, 30, seed: 4, maxSamplesPerClient: 300);
        var pool = Dataset.Concat(data.Clients);
        var iid = Partitions.Iid(pool, data.Clients.Count, seed: 1);
        double federated = MeanPairwiseTotalVariation(data.Clients), shuffled = MeanPairwiseTotalVariation(iid);
        Assert.True(federated > 0.5, $"mean pairwise TV {federated}");
        Assert.True(federated > 3 * shuffled, $"federated {federated}, iid {shuffled}");
    }

    internal static double MeanPairwiseTotalVariation(IReadOnlyList<Dataset> clients)
    {
        var p = clients.Select(c => c.LabelDistribution()).ToArray();
        double sum = 0;
        int pairs = 0;
        for (int i = 0; i < p.Length; i++)
            for (int j = i + 1; j < p.Length; j++, pairs++)
                sum += 0.5 * p[i].Zip(p[j], (a, b) => Math.Abs(a - b)).Sum();
        return sum / pairs;
    }
}
