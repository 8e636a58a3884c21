using System.Text.Json.Nodes;
using FedActors.Simulation.Federation;

namespace FedActors.Simulation.Experiments;

/// <summary>
/// The JSON form of a <see cref="TimeToAccuracyResult"/>: what the benchmark writes as time_to_accuracy.json and the
/// plotting sample reads. Times are virtual seconds; a null ratio or time means the target was never reached.
/// </summary>
public static class TimeToAccuracyJson
{
    public static readonly string[] Methods = ["sync", "fedasync", "fedbuff", "seed"];

    public static JsonObject ToJson(TimeToAccuracyResult r)
    {
        var c = r.Config;
        var methods = new JsonObject
        {
            ["sync"] = Method(r.Sync, series: true),
            ["fedasync"] = Method(r.FedAsync, series: true),
            ["fedbuff"] = Method(r.FedBuff, series: true),
            ["seed"] = Method(r.Seed, series: true),
            ["sync_wait_for_slowest"] = Method(r.SyncWaitForSlowest, series: true),
        };
        return new JsonObject
        {
            ["task"] = r.Task,
            ["target_accuracy"] = c.TargetAccuracy,
            ["sync_over_fedbuff"] = r.SyncOverFedBuff,
            ["fedasync_over_fedbuff"] = r.FedAsyncOverFedBuff,
            ["seed_over_fedbuff"] = r.SeedOverFedBuff,
            ["sync_wait_for_slowest_over_fedbuff"] = r.SyncWaitForSlowestOverFedBuff,
            ["selection"] = r.HeldOut ? "held_out" : "in_sample",
            ["in_sample_sync_over_fedbuff"] = r.InSampleSyncOverFedBuff,
            ["in_sample_fedasync_over_fedbuff"] = r.InSampleFedAsyncOverFedBuff,
            ["final_accuracy"] = new JsonObject
            {
                ["sync"] = r.Sync.FinalAccuracy, ["fedasync"] = r.FedAsync.FinalAccuracy,
                ["fedbuff"] = r.FedBuff.FinalAccuracy, ["seed"] = r.Seed.FinalAccuracy,
                ["sync_wait_for_slowest"] = r.SyncWaitForSlowest.FinalAccuracy,
            },
            ["time_to_target_s"] = new JsonObject
            {
                ["sync"] = r.Sync.TimeToTarget, ["fedasync"] = r.FedAsync.TimeToTarget,
                ["fedbuff"] = r.FedBuff.TimeToTarget, ["seed"] = r.Seed.TimeToTarget,
                ["sync_wait_for_slowest"] = r.SyncWaitForSlowest.TimeToTarget,
            },
            ["hyperparameters"] = new JsonObject
            {
                ["seed"] = c.Seed,
                ["horizon_s"] = c.Horizon,
                ["evaluation_interval_s"] = c.EvaluationInterval,
                ["evaluation_growth"] = c.EvaluationGrowth,
                ["final_window_fraction"] = c.FinalWindow,
                ["client_epochs"] = c.Local.Epochs,
                ["client_learning_rate"] = c.Local.LearningRate,
                ["client_batch_size"] = c.Local.BatchSize,
                ["concurrency"] = c.Concurrency,
                ["buffer_size"] = c.BufferSize,
                ["fedbuff_server_learning_rate"] = c.FedBuffServerLearningRate,
                ["server_steps"] = c.ServerSteps is null ? null : Array(c.ServerSteps.Select(Step)),
                ["sweep_horizon_s"] = c.SweepHorizon ?? c.Horizon,
                ["tuning_seeds"] = Array(c.TuningSeeds.Select(x => (JsonNode?)x)),
                ["fedbuff_staleness"] = c.FedBuffStaleness,
                ["fedasync_staleness"] = c.FedAsyncStaleness,
                ["fedasync_alphas"] = Array(c.FedAsyncAlphas.Select(a => (JsonNode?)a)),
                ["sync_cohorts"] = Array(c.EffectiveSyncCohorts.Select(a => (JsonNode?)a)),
                ["sync_deadline_quantiles"] = Array(c.SyncDeadlineQuantiles.Select(a => (JsonNode?)a)),
                ["async_deadline_quantile"] = c.AsyncDeadlineQuantile,
                ["async_deadline_s"] = r.AsyncDeadline,
                ["heterogeneity"] = new JsonObject
                {
                    ["median_seconds_per_sample_epoch"] = c.Heterogeneity.MedianSecondsPerSampleEpoch,
                    ["speed_sigma"] = c.Heterogeneity.SpeedSigma,
                    ["attempt_jitter_sigma"] = c.Heterogeneity.AttemptJitterSigma,
                    ["median_network_delay_s"] = c.Heterogeneity.MedianNetworkDelay,
                    ["network_sigma"] = c.Heterogeneity.NetworkSigma,
                    ["dropout_probability"] = c.Heterogeneity.DropoutProbability,
                    ["median_rejoin_delay_s"] = c.Heterogeneity.MedianRejoinDelay,
                    ["offline_probability"] = c.Heterogeneity.OfflineProbability,
                    ["mean_offline_duration_s"] = c.Heterogeneity.MeanOfflineDuration,
                },
            },
            ["methods"] = methods,
            ["sync_sweep"] = Array(r.SyncSweep.Select(o => (JsonNode?)Method(o, series: false))),
            ["fedasync_sweep"] = Array(r.FedAsyncSweep.Select(o => (JsonNode?)Method(o, series: false))),
            ["fedbuff_sweep"] = Array(r.FedBuffSweep.Select(o => (JsonNode?)Method(o, series: false))),
            ["staleness_functions"] = Array(r.StalenessTable.Select(o => (JsonNode?)new JsonObject
            {
                ["function"] = (string)o.Hyperparameters["staleness"],
                ["strategy"] = (string)o.Hyperparameters["strategy"],
                ["time_to_target_s"] = o.TimeToTarget,
                ["over_fedbuff"] = TimeToAccuracyResult.Ratio(o, r.FedBuff),
                ["final_accuracy"] = o.FinalAccuracy,
                ["mean_staleness"] = o.Result.MeanStaleness,
                ["rejected"] = o.Result.Rejected,
            })),
            ["selection_table"] = SelectionTable([r]),
        };
    }

    /// <summary>
    /// FedBuff (its chosen setting) with each selection of the config, on every evaluation seed given, beside FedBuff
    /// with the simulator's own uniform draw (<c>uniform</c>, FedBuff's row everywhere else in this document).
    /// </summary>
    public static JsonObject? SelectionTable(IReadOnlyList<TimeToAccuracyResult> evaluations)
    {
        var first = evaluations[0];
        if (first.SelectionTable.Count == 0) return null;
        var rows = new List<JsonNode?> { Row("uniform", "the simulator's own draw (uniform among online idle clients), no pacer", evaluations.Select(r => (r, r.FedBuff)).ToArray()) };
        for (int i = 0; i < first.SelectionTable.Count; i++)
        {
            var o = first.SelectionTable[i];
            rows.Add(Row((string)o.Hyperparameters["selection"], "through FedActors.Core's TrainingPacer", evaluations.Select(r => (r, r.SelectionTable[i])).ToArray()));
        }
        return new JsonObject
        {
            ["strategy"] = "fedbuff",
            ["fedbuff_setting"] = Hyper(first.FedBuff),
            ["evaluation_seeds"] = Array(evaluations.Select(r => (JsonNode?)r.Config.Seed)),
            ["target_accuracy"] = first.Config.TargetAccuracy,
            ["horizon_s"] = first.Config.Horizon,
            ["compute"] = "declared cores clamp(round(4 x median / speed), 1, 32), GPU when speed < median / 4 (as the load test), ComputeScore.From",
            ["criteria"] = "none unless a row's hyperparameters say (no min samples, no max staleness)",
            ["rows"] = Array(rows),
        };

        static JsonObject Row(string selection, string how, (TimeToAccuracyResult R, MethodOutcome O)[] runs)
        {
            var times = runs.Select(x => x.O.TimeToTarget).ToArray();
            bool all = times.All(t => t is not null);
            var ratios = runs.Select(x => TimeToAccuracyResult.Ratio(x.O, x.R.FedBuff)).ToArray();
            return new JsonObject
            {
                ["selection"] = selection,
                ["how"] = how,
                ["hyperparameters"] = Hyper(runs[0].O),
                ["time_to_target_s_geomean"] = all ? Math.Exp(times.Average(t => Math.Log(t!.Value))) : null,
                ["over_uniform_geomean"] = ratios.All(x => x is not null) ? Math.Exp(ratios.Average(x => Math.Log(x!.Value))) : null,
                ["final_accuracy_mean"] = runs.Average(x => x.O.FinalAccuracy),
                ["seeds"] = Array(runs.Select(x => (JsonNode?)new JsonObject
                {
                    ["seed"] = x.R.Config.Seed,
                    ["time_to_target_s"] = x.O.TimeToTarget,
                    ["over_uniform"] = TimeToAccuracyResult.Ratio(x.O, x.R.FedBuff),
                    ["final_accuracy"] = x.O.FinalAccuracy,
                    ["final_loss"] = x.O.FinalLoss,
                    ["mean_staleness"] = x.O.Result.MeanStaleness,
                    ["clients_reached"] = x.O.Result.ClientsReached,
                    ["clients"] = x.O.Result.AttemptsPerClient.Count,
                    ["accepted"] = x.O.Result.Accepted,
                    ["rejected"] = x.O.Result.Rejected,
                    ["final_version"] = x.O.Result.FinalVersion,
                })),
            };
        }
    }

    /// <summary>
    /// The primary (first) evaluation seed's document, as <see cref="ToJson(TimeToAccuracyResult)"/> writes it, plus
    /// <c>seeds</c> (every evaluation seed's ratios, times, final accuracies and chosen settings), the ratios' mean,
    /// geometric mean, minimum and maximum over the seeds, and <c>tuning</c> (the seeds the settings were chosen on).
    /// </summary>
    public static JsonObject ToJson(TimeToAccuracySeedsResult all)
    {
        var json = ToJson(all.Primary);
        var evaluations = all.Evaluations;
        json["seeds"] = Array(evaluations.Select(r => (JsonNode?)new JsonObject
        {
            ["seed"] = r.Config.Seed,
            ["sync_over_fedbuff"] = r.SyncOverFedBuff,
            ["fedasync_over_fedbuff"] = r.FedAsyncOverFedBuff,
            ["seed_over_fedbuff"] = r.SeedOverFedBuff,
            ["sync_wait_for_slowest_over_fedbuff"] = r.SyncWaitForSlowestOverFedBuff,
            ["in_sample_sync_over_fedbuff"] = r.InSampleSyncOverFedBuff,
            ["in_sample_fedasync_over_fedbuff"] = r.InSampleFedAsyncOverFedBuff,
            ["time_to_target_s"] = new JsonObject
            {
                ["sync"] = r.Sync.TimeToTarget, ["fedasync"] = r.FedAsync.TimeToTarget, ["fedbuff"] = r.FedBuff.TimeToTarget,
                ["seed"] = r.Seed.TimeToTarget, ["sync_wait_for_slowest"] = r.SyncWaitForSlowest.TimeToTarget,
            },
            ["final_accuracy"] = new JsonObject
            {
                ["sync"] = r.Sync.FinalAccuracy, ["fedasync"] = r.FedAsync.FinalAccuracy, ["fedbuff"] = r.FedBuff.FinalAccuracy,
                ["seed"] = r.Seed.FinalAccuracy, ["sync_wait_for_slowest"] = r.SyncWaitForSlowest.FinalAccuracy,
            },
            ["chosen"] = new JsonObject
            {
                ["sync"] = Hyper(r.Sync), ["fedasync"] = Hyper(r.FedAsync), ["fedbuff"] = Hyper(r.FedBuff),
            },
        }));
        foreach (var (key, ratio) in new (string, Func<TimeToAccuracyResult, double?>)[]
                 {
                     ("sync_over_fedbuff", r => r.SyncOverFedBuff), ("fedasync_over_fedbuff", r => r.FedAsyncOverFedBuff),
                     ("seed_over_fedbuff", r => r.SeedOverFedBuff), ("in_sample_sync_over_fedbuff", r => r.InSampleSyncOverFedBuff),
                     ("in_sample_fedasync_over_fedbuff", r => r.InSampleFedAsyncOverFedBuff),
                 })
        {
            var values = evaluations.Select(ratio).ToArray();
            bool complete = values.All(v => v is not null);
            var v = values.Where(x => x is not null).Select(x => x!.Value).ToArray();
            json[key + "_mean"] = complete ? v.Average() : null;
            json[key + "_geomean"] = complete ? Math.Exp(v.Average(Math.Log)) : null;
            json[key + "_min"] = complete ? v.Min() : null;
            json[key + "_max"] = complete ? v.Max() : null;
        }
        json["final_accuracy_mean"] = new JsonObject(new[] { "sync", "fedasync", "fedbuff", "seed" }.Select(m => KeyValuePair.Create(m, (JsonNode?)evaluations.Average(r => m switch
        {
            "sync" => r.Sync.FinalAccuracy, "fedasync" => r.FedAsync.FinalAccuracy, "fedbuff" => r.FedBuff.FinalAccuracy, _ => r.Seed.FinalAccuracy,
        }))));
        json["selection_table"] = SelectionTable(evaluations);
        json["tuning"] = new JsonObject
        {
            ["selection"] = all.TuningSeeds.Count > 0 ? "held_out" : "in_sample",
            ["tuning_seeds"] = Array(all.TuningSeeds.Select(x => (JsonNode?)x)),
            ["evaluation_seeds"] = Array(evaluations.Select(r => (JsonNode?)r.Config.Seed)),
            ["criterion"] = "lowest geometric-mean time to target over the tuning seeds (never reaching it counts as infinite)",
            // Each tuning seed's sweeps (times to target within the sweep horizon), in the config's order.
            ["sweeps"] = new JsonObject(all.TuningSeeds.Select(seed => KeyValuePair.Create(seed.ToString(System.Globalization.CultureInfo.InvariantCulture), (JsonNode?)new JsonObject
            {
                ["sync"] = Array(all.Sweeps[seed].Sync.Select(o => (JsonNode?)Method(o, series: false))),
                ["fedasync"] = Array(all.Sweeps[seed].FedAsync.Select(o => (JsonNode?)Method(o, series: false))),
                ["fedbuff"] = Array(all.Sweeps[seed].FedBuff.Select(o => (JsonNode?)Method(o, series: false))),
            }))),
        };
        return json;
    }

    private static JsonNode? Step(ServerStep s) => new JsonObject { ["optimizer"] = s.Optimizer, ["learning_rate"] = s.LearningRate, ["momentum"] = s.Optimizer == "fedavgm" ? s.Momentum : null };

    private static JsonObject Hyper(MethodOutcome o) => new(o.Hyperparameters.Select(h => KeyValuePair.Create(h.Key, Value(h.Value))));

    private static JsonObject Method(MethodOutcome o, bool series)
    {
        var r = o.Result;
        var json = new JsonObject
        {
            ["method"] = o.Method,
            ["hyperparameters"] = new JsonObject(o.Hyperparameters.Select(h => KeyValuePair.Create(h.Key, Value(h.Value)))),
            ["time_to_target_s"] = o.TimeToTarget,
            ["final_accuracy"] = o.FinalAccuracy,
            ["final_loss"] = o.FinalLoss,
            ["final_version"] = r.FinalVersion,
            ["attempts_started"] = r.AttemptsStarted,
            ["dropped"] = r.Dropped,
            ["accepted"] = r.Accepted,
            ["rejected"] = r.Rejected,
            ["reject_reasons"] = new JsonObject(r.RejectReasons.OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => KeyValuePair.Create(x.Key, (JsonNode?)x.Value))),
            ["discarded_late"] = r.Discarded,
            ["mean_staleness"] = r.MeanStaleness,
            ["rounds"] = r.RoundDurations.Count,
        };
        if (r.RoundDurations.Count > 0) json["mean_round_s"] = r.RoundDurations.Average();
        if (!series) return json;
        json["series"] = new JsonObject
        {
            ["time_s"] = Array(r.Series.Select(p => (JsonNode?)Math.Round(p.Time, 3))),
            ["version"] = Array(r.Series.Select(p => (JsonNode?)p.Version)),
            ["accuracy"] = Array(r.Series.Select(p => (JsonNode?)Math.Round(p.Accuracy, 5))),
            ["loss"] = Array(r.Series.Select(p => (JsonNode?)Math.Round(p.Loss, 5))),
        };
        json["staleness_histogram"] = Array(r.StalenessHistogram().Select(kv => (JsonNode?)new JsonArray(kv.Key, kv.Value)));
        return json;
    }

    private static JsonNode? Value(object v) => v switch
    {
        int i => i, long l => l, double d => d, float f => f, string s => s, bool b => b,
        _ => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture),
    };

    private static JsonArray Array(IEnumerable<JsonNode?> items) => new(items.ToArray());
}
