using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using FedActors.Cluster.Aggregation;

namespace FedActors.Cluster.Evaluation;

/// <summary>Scores a global model on held-out data (the learning task's test set).</summary>
public interface IModelEvaluator
{
    (double Loss, double Accuracy) Evaluate(float[] parameters);
}

/// <summary>
/// Evaluates each new global version on held-out data and tells the aggregator (<see cref="AggregatorProtocol.RecordEvaluation"/>),
/// which feeds the convergence analysis and the broadcast's global_loss and global_accuracy. One evaluation at a time,
/// on the thread pool: when versions come faster than evaluations, the ones in between are skipped and the newest is
/// evaluated next.
/// </summary>
public sealed class GlobalEvaluatorActor : ReceiveActor
{
    private sealed record Evaluated(AggregatorProtocol.RecordEvaluation Result);
    private sealed record Failed(Exception Cause);

    public sealed record GetLatest;

    public sealed record Latest(AggregatorProtocol.RecordEvaluation? Evaluation);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _busy, _behind;
    private AggregatorProtocol.RecordEvaluation? _latest;

    public GlobalEvaluatorActor(IActorRef aggregator, IModelEvaluator evaluator)
    {
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(AggregatorProtocol.VersionsTopic, Self));
        Receive<SubscribeAck>(_ => { });
        Receive<AggregatorProtocol.VersionPublished>(p =>
        {
            if (_latest is not null && p.Version.Value <= _latest.Version.Value) return;
            if (_busy) _behind = true;
            else Start();
        });
        Receive<Evaluated>(e =>
        {
            _busy = false;
            _latest = e.Result;
            aggregator.Tell(e.Result);
            if (_behind) Start();
        });
        Receive<Failed>(f =>
        {
            _busy = false;
            _log.Warning("evaluating the global model failed: {0}", f.Cause.Message);
        });
        Receive<GetLatest>(_ => Sender.Tell(new Latest(_latest)));

        void Start()
        {
            _busy = true;
            _behind = false;
            aggregator.Ask<AggregatorProtocol.Model>(new AggregatorProtocol.GetModel(), TimeSpan.FromSeconds(30))
                .ContinueWith(t =>
                {
                    if (!t.IsCompletedSuccessfully) return (object)new Failed(t.Exception?.GetBaseException() ?? new TaskCanceledException());
                    try
                    {
                        var (loss, accuracy) = evaluator.Evaluate(t.Result.Parameters);
                        return new Evaluated(new AggregatorProtocol.RecordEvaluation(t.Result.Version, loss, accuracy));
                    }
                    catch (Exception e) { return new Failed(e); }
                }, TaskScheduler.Default)
                .PipeTo(Self);
        }
    }

    public static Props Props(IActorRef aggregator, IModelEvaluator evaluator) =>
        Akka.Actor.Props.Create(() => new GlobalEvaluatorActor(aggregator, evaluator));
}
