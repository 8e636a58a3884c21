using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Akka.Http.Dsl;
using Akka.Management.Dsl;
using Ceen;
using FedActors.Cluster.Aggregation;
using FedActors.Cluster.Clients;
using FedActors.Cluster.Hosting;
using FedActors.Core.Clients;
using FedActors.Core.Validation;
using Route = System.ValueTuple<string, Akka.Http.Dsl.HttpModuleBase>;

namespace FedActors.Node.Http;

/// <summary>
/// FedActors' routes on the Akka.Management HTTP endpoint (its .NET version has no cluster or health routes):
/// cluster membership, health, the FL state, aggregation control behind a bearer token, Prometheus metrics and the
/// dashboard. Registered by name in hocon/node.conf; Akka.Management constructs it with the actor system.
/// </summary>
public sealed class FedActorsRoutes(ExtendedActorSystem system) : IManagementRouteProvider
{
    public Route[] Routes(ManagementRouteProviderSettings settings)
    {
        var module = new Module(system);
        return
        [
            ("/cluster/members", module), ("/health/live", module), ("/health/ready", module),
            ("/fl/status", module), ("/fl/selection", module), ("/fl/staleness", module), ("/fl/convergence", module), ("/fl/model", module),
            ("/fl/clients", module), ("/fl/clients/*", module),
            ("/fl/aggregation/pause", module), ("/fl/aggregation/resume", module), ("/fl/aggregation/trigger", module),
            ("/metrics", module), ("/dashboard", module), ("/dashboard/*", module),
        ];
    }

    private sealed class Module(ExtendedActorSystem system) : HttpModuleBase
    {
        private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);
        private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = false };

        public override async Task<bool> HandleAsync(IAkkaHttpContext context)
        {
            var request = context.HttpContext.Request;
            var response = context.HttpContext.Response;
            string path = request.Path.TrimEnd('/');
            bool get = request.Method.Equals("GET", StringComparison.OrdinalIgnoreCase);
            bool post = request.Method.Equals("POST", StringComparison.OrdinalIgnoreCase);
            try
            {
                switch (path)
                {
                    case "/cluster/members" when get: await WriteJson(response, Members()); return true;
                    case "/health/live" when get: await WriteJson(response, new { status = "alive" }); return true;
                    case "/health/ready" when get: await Ready(response); return true;
                    case "/fl/status" when get: await WriteJson(response, await Status()); return true;
                    case "/fl/selection" when get: await WriteJson(response, await Selection()); return true;
                    case "/fl/staleness" when get: await WriteJson(response, await Staleness()); return true;
                    case "/fl/convergence" when get: await WriteJson(response, await Convergence()); return true;
                    case "/fl/model" when get: await WriteJson(response, await Model(request.QueryString.TryGetValue("weights", out var w) && w is "true" or "1")); return true;
                    case "/fl/clients" when get: await Clients(request, response); return true;
                    case var p when get && p.StartsWith("/fl/clients/", StringComparison.Ordinal): await Client(Uri.UnescapeDataString(p["/fl/clients/".Length..]), response); return true;
                    case "/fl/aggregation/pause" or "/fl/aggregation/resume" or "/fl/aggregation/trigger" when post: await Control(path, request, response); return true;
                    case "/fl/aggregation/pause" or "/fl/aggregation/resume" or "/fl/aggregation/trigger":
                        await Error(response, HttpStatusCode.MethodNotAllowed, "use POST with a bearer token"); return true;
                    case "/metrics" when get: await Metrics(response); return true;
                    case "/dashboard" when get: await Asset(response, "index.html"); return true;
                    case var p when get && p.StartsWith("/dashboard/", StringComparison.Ordinal): await Asset(response, p["/dashboard/".Length..]); return true;
                    default: return false;
                }
            }
            catch (AskTimeoutException)
            {
                await Error(response, HttpStatusCode.ServiceUnavailable, "the aggregator did not answer in time (it may be moving to another node)");
                return true;
            }
        }

        private IActorRegistry Registry => ActorRegistry.For(system);
        private IActorRef Aggregator => Registry.Get<AggregatorProxy>();
        private Akka.Cluster.Cluster Cluster => Akka.Cluster.Cluster.Get(system);

        private object Members()
        {
            var state = Cluster.State;
            return new
            {
                self_node = Cluster.SelfAddress.ToString(),
                leader = state.Leader?.ToString(),
                oldest = state.Members.Where(m => m.Status == MemberStatus.Up).OrderBy(m => m, Member.AgeOrdering).FirstOrDefault()?.Address.ToString(),
                members = state.Members.OrderBy(m => m.Address.ToString()).Select(m => new
                {
                    node = m.Address.ToString(), status = m.Status.ToString(), roles = m.Roles.Order().ToArray(),
                    reachable = !state.Unreachable.Contains(m),
                }),
                unreachable = state.Unreachable.Select(m => m.Address.ToString()).Order().ToArray(),
            };
        }

        private async Task Ready(IHttpResponse response)
        {
            var context = NodeHttpServer.ContextOf(system);
            bool up = Cluster.SelfMember.Status == MemberStatus.Up;
            bool aggregator = false;
            try { await Aggregator.Ask<AggregatorProtocol.CurrentVersion>(new AggregatorProtocol.GetCurrentVersion(), TimeSpan.FromSeconds(2)); aggregator = true; }
            catch (AskTimeoutException) { }
            bool transport = context.Ready();
            bool ready = up && aggregator && transport;
            if (!ready) response.StatusCode = HttpStatusCode.ServiceUnavailable;
            await WriteJson(response, new { status = ready ? "ready" : "not_ready", member_up = up, aggregator_reachable = aggregator, transport_ready = transport });
        }

        private async Task<object> Selection()
        {
            var s = await Registry.Get<ClientSelectorProxy>().Ask<Cluster.Selection.SelectionProtocol.SelectionStatus>(
                new Cluster.Selection.SelectionProtocol.GetSelection(), AskTimeout);
            return new
            {
                strategy = s.Strategy,
                enabled = s.Enabled,
                concurrency = s.Concurrency,
                training = s.Training,
                idle = s.Idle,
                known = s.Known,
                invitations = s.Invitations,
                reports = s.Reports,
                timed_out = s.TimedOut,
                invitation_timeout_seconds = s.InvitationTimeout.TotalSeconds,
                client_selection_criteria = new { min_samples = s.Criteria.MinSamples, max_staleness = s.Criteria.MaxStaleness },
            };
        }

        private async Task<object> Status()
        {
            var s = await Aggregator.Ask<AggregatorProtocol.Status>(new AggregatorProtocol.GetStatus(), AskTimeout);
            return new
            {
                model_version = s.DurableVersion.Value,
                applied_version = s.Version.Value,
                buffer_fill = s.BufferFill,
                buffer_size = s.BufferSize,
                updates_accepted = s.UpdatesAccepted,
                updates_rejected = s.UpdatesRejected,
                updates_rejected_by_reason = s.RejectedByReason.ToDictionary(r => r.Key.WireName(), r => r.Value),
                duplicates_acknowledged = s.DuplicatesAcknowledged,
                aggregations = s.Aggregations,
                last_aggregation_at = s.LastAggregationAt,
                aggregator_node = s.Node,
                active_clients = s.ActiveClients,
                registered_clients = s.KnownClients,
                participation_rate = s.ParticipationRate,
                strategy = s.Strategy,
                paused = s.Paused,
                publisher_circuit = s.PublisherCircuit,
                started_at = s.StartedAt,
                recovered = s.Recovered,
                dimension = s.Dimension,
                journal_sequence_nr = s.JournalSequenceNr,
            };
        }

        private async Task<object> Staleness()
        {
            var h = await Aggregator.Ask<AggregatorProtocol.StalenessHistogram>(new AggregatorProtocol.GetStaleness(), AskTimeout);
            return new { buckets = h.Counts.OrderBy(c => c.Key).Select(c => new { staleness = c.Key, count = c.Value }), count = h.Count, mean = h.Mean, max = h.Max };
        }

        private async Task<object> Convergence()
        {
            var c = await Aggregator.Ask<AggregatorProtocol.Convergence>(new AggregatorProtocol.GetConvergence(), AskTimeout);
            var r = c.Report;
            string status = r.ConvergenceRate switch { null => "insufficient_data", > 0.001 => "converging", < -0.001 => "diverging", _ => "plateau" };
            return new
            {
                history = c.History.Select(p => new
                {
                    version = p.Version.Value, at = p.At, num_clients = p.NumClients, num_updates = p.NumUpdates, mean_staleness = p.MeanStaleness,
                    mean_training_loss = p.MeanTrainingLoss, mean_training_accuracy = p.MeanTrainingAccuracy,
                    global_loss = p.GlobalLoss, global_accuracy = p.GlobalAccuracy, step_norm = p.StepNorm,
                }),
                recommendation = new
                {
                    status, message = r.Recommendation, convergence_rate = r.ConvergenceRate, staleness_impact = r.StalenessImpact,
                    adjusted_convergence = r.AdjustedConvergence, mean_staleness = r.MeanStaleness, assessment = r.Assessment.ToString().ToLowerInvariant(),
                    versions_analyzed = r.VersionsAnalyzed,
                },
            };
        }

        private async Task<object> Model(bool weights)
        {
            var model = await Aggregator.Ask<AggregatorProtocol.Model>(new AggregatorProtocol.GetModel(), AskTimeout);
            var status = await Aggregator.Ask<AggregatorProtocol.Status>(new AggregatorProtocol.GetStatus(), AskTimeout);
            double norm = Math.Sqrt(model.Parameters.Sum(p => (double)p * p));
            return new
            {
                model_version = model.Version.Value, dimension = model.Parameters.Length, strategy = status.Strategy, l2_norm = norm,
                last_aggregation_at = status.LastAggregationAt, encoding = weights ? "base64 little-endian float32" : null,
                weights = weights ? Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(model.Parameters.AsSpan())) : null,
            };
        }

        private IEnumerable<ActorSelection> Indexes() => Cluster.State.Members.Where(m => m.Status == MemberStatus.Up)
            .Select(m => system.ActorSelection($"{m.Address}/user/client-index"));

        private async Task Clients(IHttpRequest request, IHttpResponse response)
        {
            ClientStatus? status = null;
            if (request.QueryString.TryGetValue("status", out var s) && !string.IsNullOrEmpty(s))
            {
                if (!Enum.TryParse<ClientStatus>(s, ignoreCase: true, out var parsed) || int.TryParse(s, out _))
                {
                    await Error(response, HttpStatusCode.BadRequest, $"status '{s}' is not one of active, inactive, left");
                    return;
                }
                status = parsed;
            }
            int page = 1, size = 50;
            if (request.QueryString.TryGetValue("page", out var p) && (!int.TryParse(p, out page) || page < 1))
            {
                await Error(response, HttpStatusCode.BadRequest, $"page '{p}' must be a whole number from 1");
                return;
            }
            if (request.QueryString.TryGetValue("page_size", out var ps) && (!int.TryParse(ps, out size) || size < 1 || size > 500))
            {
                await Error(response, HttpStatusCode.BadRequest, $"page_size '{ps}' must be 1..500");
                return;
            }
            var query = new ClientIndexProtocol.Query(status, null, page * size);
            var pages = await Task.WhenAll(Indexes().Select(async i =>
            {
                try { return await i.Ask<ClientIndexProtocol.Page>(query, AskTimeout); }
                catch (AskTimeoutException) { return new ClientIndexProtocol.Page(0, []); }   // a node that does not answer lists nothing
            }));
            // A client that moved between nodes is listed by both: keep the summary seen last.
            var merged = pages.SelectMany(x => x.Clients).GroupBy(c => c.ClientId).Select(g => g.MaxBy(c => c.LastSeen)!)
                .OrderBy(c => c.ClientId, StringComparer.Ordinal).Skip((page - 1) * size).Take(size).ToList();
            await WriteJson(response, new { page, page_size = size, total = pages.Sum(x => x.Matching), clients = merged.Select(Summary) });
        }

        private static object Summary(ClientSummary c) => new
        {
            client_id = c.ClientId, status = c.Status.ToString().ToLowerInvariant(), last_seen = c.LastSeen, updates_accepted = c.UpdatesAccepted,
            updates_rejected = c.UpdatesRejected, mean_staleness = c.MeanStaleness, trained_on = c.TrainedOn,
        };

        private async Task Client(string id, IHttpResponse response)
        {
            var found = await Task.WhenAll(Indexes().Select(async i =>
            {
                try { return (await i.Ask<ClientIndexProtocol.Found>(new ClientIndexProtocol.Lookup(id), AskTimeout)).Client; }
                catch (AskTimeoutException) { return null; }
            }));
            var latest = found.Where(c => c is not null).MaxBy(c => c!.LastSeen);
            if (latest is null)
            {
                await Error(response, HttpStatusCode.NotFound, $"no client '{id}' has been seen");
                return;
            }
            if (!latest.Hosted)
            {
                await WriteJson(response, Summary(latest));   // passivated: its summary is what is left of it
                return;
            }
            var state = await Registry.Get<ClientRegion>().Ask<ClientProtocol.ClientState>(new ClientProtocol.GetState(id), AskTimeout);
            await WriteJson(response, new
            {
                client_id = state.ClientId, status = state.Status.ToString().ToLowerInvariant(), active_since = state.ActiveSince, last_seen = state.LastSeen,
                capabilities = state.Capabilities is { } cap ? new { cpu_cores = cap.CpuCores, memory_gb = cap.MemoryGb, gpu_available = cap.GpuAvailable } : null,
                trained_on = state.TrainedOn?.Value, updates_forwarded = state.UpdatesForwarded, updates_accepted = state.UpdatesAccepted,
                updates_rejected = state.UpdatesRejected, rejected_by_reason = state.RejectedByReason.ToDictionary(r => r.Key.WireName(), r => r.Value),
                staleness = new { count = state.StalenessCount, mean = state.MeanStaleness, max = state.MaxStaleness, recent = state.RecentStaleness },
                last_folded_into = state.LastFoldedInto?.Value,
            });
        }

        private async Task Control(string path, IHttpRequest request, IHttpResponse response)
        {
            string token = NodeHttpServer.ContextOf(system).Settings.Token;
            request.Headers.TryGetValue("Authorization", out var auth);
            bool authorized = token.Length > 0 && auth is not null && auth.StartsWith("Bearer ", StringComparison.Ordinal)
                && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(auth["Bearer ".Length..].Trim()), Encoding.UTF8.GetBytes(token));
            if (!authorized)
            {
                response.AddHeader("WWW-Authenticate", "Bearer");
                await Error(response, HttpStatusCode.Unauthorized, token.Length == 0
                    ? "aggregation control is disabled: no token is configured (fedactors.http.token)"
                    : "a valid bearer token is required (Authorization: Bearer ...)");
                return;
            }
            string by = $"http:{request.RemoteEndPoint}";
            switch (path)
            {
                case "/fl/aggregation/pause":
                case "/fl/aggregation/resume":
                    object command = path.EndsWith("pause") ? new AggregatorProtocol.Pause(by) : new AggregatorProtocol.Resume(by);
                    var state = await Aggregator.Ask<AggregatorProtocol.PauseState>(command, AskTimeout);
                    await WriteJson(response, new { paused = state.Paused, model_version = state.Version.Value });
                    break;
                default:
                    var triggered = await Aggregator.Ask<AggregatorProtocol.Triggered>(new AggregatorProtocol.TriggerAggregation(), AskTimeout);
                    await WriteJson(response, new { aggregated = triggered.Aggregated, model_version = triggered.Version.Value });
                    break;
            }
        }

        private async Task Metrics(IHttpResponse response)
        {
            if (NodeHttpServer.ContextOf(system).Metrics is not { } scrape)
            {
                await Error(response, HttpStatusCode.NotFound, "the Prometheus exporter is off (fedactors.telemetry.metrics-exporter)");
                return;
            }
            await response.WriteAllAsync(scrape.Scrape(), "text/plain; version=0.0.4; charset=utf-8");
        }

        private static async Task Asset(IHttpResponse response, string name)
        {
            using var stream = typeof(FedActorsRoutes).Assembly.GetManifestResourceStream($"dashboard/{name}");
            if (stream is null || name.Contains('/'))
            {
                await Error(response, HttpStatusCode.NotFound, $"no dashboard asset '{name}'");
                return;
            }
            string type = Path.GetExtension(name) switch
            {
                ".html" => "text/html; charset=utf-8", ".js" => "text/javascript; charset=utf-8", ".css" => "text/css; charset=utf-8", _ => "application/octet-stream",
            };
            response.AddHeader("Cache-Control", "no-cache");
            using var reader = new StreamReader(stream);
            await response.WriteAllAsync(await reader.ReadToEndAsync(), type);
        }

        private static Task WriteJson(IHttpResponse response, object value) =>
            response.WriteAllAsync(JsonSerializer.Serialize(value, Json), "application/json; charset=utf-8");

        private static Task Error(IHttpResponse response, HttpStatusCode code, string message)
        {
            response.StatusCode = code;
            return WriteJson(response, new { error = message, code = (int)code });
        }
    }
}
