using System.Reflection;
using System.Runtime.InteropServices;

namespace FedActors.Kafka.DevBroker;

/// <summary>
/// librdkafka's mock cluster (rdkafka_mock.h), reached through the native library Confluent.Kafka ships. The resolver
/// tries the same files in the same order Confluent.Kafka does, so both use one loaded library.
/// </summary>
internal static partial class MockClusterNative
{
    private const string Library = "librdkafka";

    static MockClusterNative() => NativeLibrary.SetDllImportResolver(typeof(MockClusterNative).Assembly, Resolve);

    /// <summary>Call before the first native call (the static constructor registers the resolver).</summary>
    public static void EnsureResolver() { }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != Library) return IntPtr.Zero;
        string rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        var folders = new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(Confluent.Kafka.Library).Assembly.Location) ?? "" }
            .SelectMany(d => new[] { Path.Combine(d, "runtimes", rid, "native"), d }).Distinct();
        // The plain build needs libsasl2.so.3, absent on Debian 12; the centos8 build beside it loads (shared/notes).
        foreach (var folder in folders)
            foreach (var file in new[] { "librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so" })
                if (File.Exists(Path.Combine(folder, file)) && NativeLibrary.TryLoad(Path.Combine(folder, file), out var handle))
                    return handle;
        return NativeLibrary.TryLoad("librdkafka.so.1", out var system) ? system : IntPtr.Zero;
    }

    [LibraryImport(Library)] public static partial IntPtr rd_kafka_conf_new();
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_conf_set(IntPtr conf, string name, string value, byte[] errstr, nuint errstrSize);
    [LibraryImport(Library)] public static partial IntPtr rd_kafka_new(int type, IntPtr conf, byte[] errstr, nuint errstrSize);
    [LibraryImport(Library)] public static partial void rd_kafka_destroy(IntPtr rk);

    [LibraryImport(Library)] public static partial IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokers);
    [LibraryImport(Library)] public static partial void rd_kafka_mock_cluster_destroy(IntPtr cluster);
    [LibraryImport(Library)] public static partial IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr cluster);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_mock_topic_create(IntPtr cluster, string topic, int partitions, int replicationFactor);
    [LibraryImport(Library)] public static partial int rd_kafka_mock_broker_set_down(IntPtr cluster, int brokerId);
    [LibraryImport(Library)] public static partial int rd_kafka_mock_broker_set_up(IntPtr cluster, int brokerId);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_mock_broker_set_host_port(IntPtr cluster, int brokerId, string host, int port);
    [LibraryImport(Library)] public static partial int rd_kafka_mock_broker_set_rtt(IntPtr cluster, int brokerId, int rttMs);
    [LibraryImport(Library)] public static partial int rd_kafka_mock_partition_set_leader(IntPtr cluster, [MarshalAs(UnmanagedType.LPUTF8Str)] string topic, int partition, int brokerId);
    [LibraryImport(Library)] public static partial void rd_kafka_mock_group_initial_rebalance_delay_ms(IntPtr cluster, int delayMs);
    [LibraryImport(Library)] public static partial int rd_kafka_mock_set_controller_id(IntPtr cluster, int brokerId);
    [LibraryImport(Library)] public static partial IntPtr rd_kafka_err2str(int err);
}
