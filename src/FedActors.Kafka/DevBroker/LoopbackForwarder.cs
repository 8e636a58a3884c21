using System.Net;
using System.Net.Sockets;

namespace FedActors.Kafka.DevBroker;

/// <summary>
/// Listens on a fixed loopback port and pipes each connection to a mock broker's OS-chosen port: the mock cannot
/// listen where it is told, so a fixed-port dev broker is a forwarder per broker plus the mock advertising the
/// fixed port in its metadata.
/// </summary>
internal sealed class LoopbackForwarder : IDisposable
{
    private readonly TcpListener _listener;
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();

    public LoopbackForwarder(int port, int target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            _listener.Start();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new InvalidOperationException($"port 127.0.0.1:{port} is already in use (another dev broker?); choose other ports", e);
        }
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptLoop();
    }

    public int Port { get; }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient inbound;
            try { inbound = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) when (_stop.IsCancellationRequested) { return; }
            catch (SocketException) { continue; }
            _ = Pipe(inbound);
        }
    }

    private async Task Pipe(TcpClient inbound)
    {
        using var _ = inbound;
        using var outbound = new TcpClient { NoDelay = true };
        inbound.NoDelay = true;
        try
        {
            await outbound.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
            var a = inbound.GetStream();
            var b = outbound.GetStream();
            // Either side closing ends both: Kafka clients reconnect on their own.
            await Task.WhenAny(a.CopyToAsync(b, 1 << 16, _stop.Token), b.CopyToAsync(a, 1 << 16, _stop.Token));
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            // A broker taken down by a fault hook, or the forwarder stopping: the connection just ends.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
