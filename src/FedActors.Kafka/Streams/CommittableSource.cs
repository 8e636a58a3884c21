using System.Diagnostics;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Stage;
using Confluent.Kafka;

namespace FedActors.Kafka.Streams;

/// <summary>A consumed record and the offset to commit once whatever it asked for is done.</summary>
public sealed record CommittableMessage<TKey, TValue>(ConsumeResult<TKey, TValue> Record)
{
    public TopicPartitionOffset Offset => Record.TopicPartitionOffset;
}

/// <summary>Controls a running committable source: commits go through it (the consumer is the stage's alone).</summary>
public interface IConsumerControl
{
    /// <summary>Commits, per partition, the offset after the highest one given (Kafka's "next to read").</summary>
    Task CommitAsync(IReadOnlyCollection<TopicPartitionOffset> processed);

    /// <summary>
    /// Drain and shut down: stop emitting, wait for <paramref name="streamCompletion"/> (what is in flight finishes and
    /// the committer commits its last batch), then close the consumer, leaving the group.
    /// </summary>
    Task DrainAndShutdownAsync(Task streamCompletion);

    /// <summary>Stops emitting; the consumer stays open for commits until <see cref="DrainAndShutdownAsync"/>.</summary>
    Task StopAsync();

    /// <summary>Closes the consumer at once, committing nothing more: what a crash does. Uncommitted records are redelivered.</summary>
    Task AbortAsync();

    /// <summary>Completes when the consumer has closed.</summary>
    Task Closed { get; }

    IReadOnlyCollection<TopicPartition> Assignment { get; }
    long Commits { get; }
    long CommitRetries { get; }
}

public sealed record CommittableSourceSettings(int BufferSize = 1024, TimeSpan? PollInterval = null, TimeSpan? CommitRetryInterval = null)
{
    public TimeSpan Poll => PollInterval ?? TimeSpan.FromMilliseconds(5);
    public TimeSpan CommitRetry => CommitRetryInterval ?? TimeSpan.FromMilliseconds(200);
}

/// <summary>
/// A source of committable records over a Confluent consumer (the thin equivalent of Akka.Streams.Kafka's
/// committable source). Backpressure: without demand the buffer fills and the assigned partitions are paused, so the
/// client stops fetching. Rebalances: records of revoked partitions still buffered are dropped (they are redelivered to
/// the new owner; the fold is idempotent), and what was committed is flushed first. A commit that meets a rebalance
/// is retried, never thrown into the stream. The consumer sits behind a lock rather than inside the stage, so commits
/// still reach it after the source has stopped emitting: that is what drain-and-shutdown needs.
/// </summary>
public sealed class CommittableSource<TKey, TValue>(ConsumerConfig config, IReadOnlyCollection<string> topics, CommittableSourceSettings? settings = null)
    : GraphStageWithMaterializedValue<SourceShape<CommittableMessage<TKey, TValue>>, IConsumerControl>
{
    private readonly CommittableSourceSettings _settings = settings ?? new CommittableSourceSettings();
    private readonly Outlet<CommittableMessage<TKey, TValue>> _out = new("kafka.out");

    public override SourceShape<CommittableMessage<TKey, TValue>> Shape => new(_out);

    public override ILogicAndMaterializedValue<IConsumerControl> CreateLogicAndMaterializedValue(Attributes inheritedAttributes)
    {
        var logic = new Logic(this);
        return new LogicAndMaterializedValue<IConsumerControl>(logic, logic);
    }

    private sealed class Logic : TimerGraphStageLogic, IConsumerControl
    {
        private const string PollTimer = "poll", CommitTimer = "commit-retry";
        private readonly CommittableSource<TKey, TValue> _stage;
        private readonly Queue<CommittableMessage<TKey, TValue>> _buffer = new();
        private readonly Dictionary<TopicPartition, Offset> _toCommit = new();
        private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly HashSet<TopicPartition> _assignment = [];
        private IConsumer<TKey, TValue>? _consumer;
        private readonly object _gate = new();   // the consumer is used by the stage (poll) and by committers, never at once
        private Action<TaskCompletionSource>? _stopCallback;
        private bool _paused, _stopping;
        private long _commits, _commitRetries;
        private bool _commitDeferred;

        public Logic(CommittableSource<TKey, TValue> stage) : base(stage.Shape)
        {
            _stage = stage;
            SetHandler(stage._out, onPull: Deliver, onDownstreamFinish: _ => Close());
        }

        public Task Closed => _closed.Task;
        public IReadOnlyCollection<TopicPartition> Assignment => _assignment.ToArray();
        public long Commits => Interlocked.Read(ref _commits);
        public long CommitRetries => Interlocked.Read(ref _commitRetries);

        public override void PreStart()
        {
            _stopCallback = GetAsyncCallback<TaskCompletionSource>(done =>
            {
                _stopping = true;   // PostStop then leaves the consumer open for the last commits
                CompleteStage();
                done.TrySetResult();
            });
            _consumer = new ConsumerBuilder<TKey, TValue>(_stage._config)
                // Called from inside Consume, which only this stage calls: stage state is safe to touch here.
                .SetPartitionsAssignedHandler((_, partitions) => { foreach (var p in partitions) _assignment.Add(p); _paused = false; })
                .SetPartitionsRevokedHandler((c, revoked) =>
                {
                    CommitNow();
                    var gone = revoked.Select(r => r.TopicPartition).ToHashSet();
                    foreach (var p in gone) { _assignment.Remove(p); _toCommit.Remove(p); }
                    var keep = _buffer.Where(m => !gone.Contains(m.Record.TopicPartition)).ToList();
                    _buffer.Clear();
                    foreach (var m in keep) _buffer.Enqueue(m);
                })
                .SetPartitionsLostHandler((_, lost) => { foreach (var p in lost) { _assignment.Remove(p.TopicPartition); _toCommit.Remove(p.TopicPartition); } })
                .Build();
            _consumer.Subscribe(_stage._topics);
            ScheduleRepeatedly(PollTimer, _stage._settings.Poll);
        }

        protected override void OnTimer(object timerKey)
        {
            if (_consumer is null) return;
            if (Equals(timerKey, CommitTimer)) { lock (_gate) CommitNow(); return; }
            try
            {
                lock (_gate) PollIntoBuffer();
                Deliver();
            }
            catch (ConsumeException e) when (!e.Error.IsFatal)
            {
                Log.Warning("kafka consume error (retrying): {0}", e.Error.Reason);
            }
            catch (KafkaException e)
            {
                FailStage(e);
            }
        }

        private void PollIntoBuffer()
        {
            if (_consumer is not { } consumer) return;
            // A full buffer is not back-pressure yet: downstream usually drains it before the next tick, and librdkafka
            // bounds its own prefetch queue. Pausing at once would purge that queue and refetch it after every buffer's
            // worth (on the dev broker, one producer batch per partition per fetch: a 10x slower ingest of small
            // messages). Only a buffer that stays full pauses the partitions; Consume goes on while paused, which serves
            // rebalances and the poll interval.
            if (_buffer.Count >= _stage._settings.BufferSize)
            {
                if (!_paused && Stopwatch.GetElapsedTime(_lastDrained) > PauseAfter) Pause();
                // A record fetched before the pause can still come out: it is kept (the buffer goes over by one), never dropped.
                if (_paused && consumer.Consume(TimeSpan.Zero) is { IsPartitionEOF: false } late) _buffer.Enqueue(new CommittableMessage<TKey, TValue>(late));
                return;
            }
            while (_buffer.Count < _stage._settings.BufferSize && consumer.Consume(TimeSpan.Zero) is { } record)
                if (!record.IsPartitionEOF) _buffer.Enqueue(new CommittableMessage<TKey, TValue>(record));
            if (_buffer.Count < _stage._settings.BufferSize) _lastDrained = Stopwatch.GetTimestamp();
            if (_buffer.Count == 0 && _paused) Resume();
        }

        /// <summary>How long the buffer may stay full before the partitions are paused.</summary>
        private static readonly TimeSpan PauseAfter = TimeSpan.FromSeconds(5);
        private long _lastDrained = Stopwatch.GetTimestamp();

        private void Deliver()
        {
            if (IsAvailable(_stage._out) && _buffer.TryDequeue(out var next))
            {
                Push(_stage._out, next);
                if (_buffer.Count < _stage._settings.BufferSize) _lastDrained = Stopwatch.GetTimestamp();
            }
            if (_paused && _buffer.Count < _stage._settings.BufferSize / 2 && _consumer is not null) lock (_gate) Resume();
        }

        private void Pause()
        {
            _consumer!.Pause(_consumer.Assignment);
            _paused = true;
        }

        private void Resume()
        {
            _consumer!.Resume(_consumer.Assignment);
            _paused = false;
        }

        private void CommitNow()
        {
            if (_consumer is null) return;
            var offsets = _toCommit.Where(kv => _assignment.Contains(kv.Key)).Select(kv => new TopicPartitionOffset(kv.Key, kv.Value)).ToList();
            if (offsets.Count == 0) return;
            try
            {
                _consumer.Commit(offsets);
                foreach (var o in offsets) _toCommit.Remove(o.TopicPartition);
                Interlocked.Increment(ref _commits);
            }
            catch (KafkaException e) when (!e.Error.IsFatal)
            {
                // REBALANCE_IN_PROGRESS and friends: keep the offsets and try again (shared/notes); never thrown at the stream.
                Interlocked.Increment(ref _commitRetries);
                _commitDeferred = true;
            }
        }

        public async Task CommitAsync(IReadOnlyCollection<TopicPartitionOffset> processed)
        {
            for (int attempt = 0; ; attempt++)
            {
                lock (_gate)
                {
                    if (_consumer is null) return;   // closed: uncommitted records are redelivered, which is safe
                    if (attempt == 0)
                        foreach (var o in processed)
                            if (!_toCommit.TryGetValue(o.TopicPartition, out var seen) || seen.Value < o.Offset.Value + 1)
                                _toCommit[o.TopicPartition] = new Offset(o.Offset.Value + 1);
                    _commitDeferred = false;
                    CommitNow();
                    if (!_commitDeferred) return;
                }
                await Task.Delay(_stage._settings.CommitRetry);
            }
        }

        public Task StopAsync()
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_stopCallback is null) done.TrySetResult();
            else _stopCallback(done);
            return done.Task;
        }

        public async Task AbortAsync()
        {
            lock (_gate) Close();
            await StopAsync();
        }

        public async Task DrainAndShutdownAsync(Task streamCompletion)
        {
            await StopAsync();
            try { await streamCompletion; }
            finally { lock (_gate) Close(); }
        }

        private void Close()
        {
            if (_consumer is null) return;
            var consumer = _consumer;
            _consumer = null;
            try { consumer.Close(); }
            catch (KafkaException e) { Log.Warning("closing the consumer: {0}", e.Error.Reason); }
            finally
            {
                consumer.Dispose();
                _closed.TrySetResult();
            }
        }

        public override void PostStop()
        {
            if (!_stopping) lock (_gate) Close();
        }
    }

    private readonly ConsumerConfig _config = config;
    private readonly IReadOnlyCollection<string> _topics = topics;
}
