using System.Collections.Concurrent;
using System.Net;
using Akka.Actor;
using Akka.Http.Dsl;
using Akka.Management.Dsl;
using Ceen.Httpd;
using FedActors.Node.Configuration;
using FedActors.Node.Telemetry;

namespace FedActors.Node.Http;

/// <summary>What the HTTP routes of one node need besides its actor system.</summary>
public sealed record NodeHttpContext(HttpSettings Settings, PrometheusScrape? Metrics, Func<bool> Ready);

/// <summary>
/// Serves Akka.Management's routes (its own and FedActors', registered as a route provider in hocon/node.conf) on
/// Ceen 0.9.10. AkkaManagement.Start() cannot be used here: Akka.Http.Shim was built against Ceen 0.9.9 and fails to
/// bind (shared/notes), so the routes are taken from AkkaManagement.Routes() and given to Ceen's server directly.
/// </summary>
public sealed class NodeHttpServer : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<ActorSystem, NodeHttpContext> Contexts = new();
    private readonly CancellationTokenSource _stop;
    private readonly Task _serving;
    private readonly ActorSystem _system;

    private NodeHttpServer(ActorSystem system, IPEndPoint endpoint, Task serving, CancellationTokenSource stop)
    {
        _system = system;
        Endpoint = endpoint;
        _serving = serving;
        _stop = stop;
    }

    public IPEndPoint Endpoint { get; }
    public string BaseUrl => $"http://{Endpoint.Address}:{Endpoint.Port}";

    internal static NodeHttpContext ContextOf(ActorSystem system) =>
        Contexts.TryGetValue(system, out var c) ? c : throw new InvalidOperationException("this actor system has no FedActors HTTP context");

    public static async Task<NodeHttpServer> StartAsync(ActorSystem system, NodeHttpContext context)
    {
        Contexts[system] = context;
        var routes = AkkaManagement.Get(system).Routes();
        var config = new ServerConfig
        {
            Router = new AkkaRouter(system, routes),
            MaxActiveRequests = 256,
            KeepAliveTimeoutSeconds = 10,
        };
        var address = IPAddress.Parse(context.Settings.Hostname == "localhost" ? "127.0.0.1" : context.Settings.Hostname);
        var endpoint = new IPEndPoint(address, context.Settings.Port);
        // Ceen binds inside ListenAsync; a port already in use fails that task at once.
        var stop = new CancellationTokenSource();
        var serving = HttpServer.ListenAsync(endpoint, false, config, stop.Token);
        var first = await Task.WhenAny(serving, Task.Delay(300));
        if (first == serving && serving.IsFaulted)
            throw new InvalidOperationException($"HTTP could not listen on {endpoint}: {serving.Exception!.GetBaseException().Message}");
        return new NodeHttpServer(system, endpoint, serving, stop);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try { await _serving.WaitAsync(TimeSpan.FromSeconds(5)); }
        catch (Exception) { /* stopping */ }
        Contexts.TryRemove(_system, out _);
    }
}
