namespace FedActors.Simulation.Data;

/// <summary>How a pool of examples is split across clients. Seeded, deterministic.</summary>
public static class Partitions
{
    /// <summary>
    /// McMahan et al. (2017)'s pathological non-IID split: sort by label, cut into
    /// <c>clients * shardsPerClient</c> equal shards, give each client that many shards at random. With two shards a
    /// client holds (at most) two digits.
    /// </summary>
    public static IReadOnlyList<Dataset> LabelShards(Dataset pool, int clients, int shardsPerClient, int seed)
    {
        if (clients < 1 || shardsPerClient < 1) throw new ArgumentOutOfRangeException(nameof(clients));
        int shardCount = clients * shardsPerClient;
        if (pool.Count < shardCount) throw new ArgumentException($"{pool.Count} examples cannot make {shardCount} shards");
        var rng = new Random(seed);
        // Shuffle before the (stable) sort so that which images of a digit land in which shard is seeded too.
        var order = Enumerable.Range(0, pool.Count).ToArray();
        rng.Shuffle(order.AsSpan());
        order = order.OrderBy(i => pool.Labels[i]).ToArray();
        int shardSize = pool.Count / shardCount;
        var shardIds = Enumerable.Range(0, shardCount).ToArray();
        rng.Shuffle(shardIds.AsSpan());
        var result = new Dataset[clients];
        for (int k = 0; k < clients; k++)
        {
            var indices = new List<int>(shardsPerClient * shardSize);
            for (int s = 0; s < shardsPerClient; s++)
                indices.AddRange(order.AsSpan(shardIds[k * shardsPerClient + s] * shardSize, shardSize).ToArray());
            result[k] = pool.Subset(indices.ToArray());
        }
        return result;
    }

    /// <summary>A uniform random split into <paramref name="clients"/> near-equal parts.</summary>
    public static IReadOnlyList<Dataset> Iid(Dataset pool, int clients, int seed)
    {
        if (clients < 1 || clients > pool.Count) throw new ArgumentOutOfRangeException(nameof(clients));
        var order = Enumerable.Range(0, pool.Count).ToArray();
        new Random(seed).Shuffle(order.AsSpan());
        var result = new Dataset[clients];
        for (int k = 0; k < clients; k++)
        {
            int from = (int)((long)pool.Count * k / clients), to = (int)((long)pool.Count * (k + 1) / clients);
            result[k] = pool.Subset(order.AsSpan(from, to - from));
        }
        return result;
    }
}
