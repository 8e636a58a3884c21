// Metrics come from one process-wide Meter, and each test's node counts from its own start: tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
