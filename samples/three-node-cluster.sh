#!/usr/bin/env bash
# Three `fedactors node` processes on loopback with a PostgreSQL journal and a dev broker; streams updates, kills
# the aggregator's node with SIGKILL, and shows through /fl/status that the aggregator resumed elsewhere with its
# version intact. Needs PostgreSQL's server binaries (apt-get install -y postgresql) and kcat (apt-get install -y kcat).
# Usage: samples/three-node-cluster.sh            (run from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; [ -n "${PGDATA:-}" ] && runuser -u postgres -- /usr/lib/postgresql/*/bin/pg_ctl -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true' EXIT

dotnet build -c Release src/FedActors.Node >/dev/null
fedactors_dll=src/FedActors.Node/bin/Release/net10.0/fedactors.dll   # run as `dotnet $fedactors_dll`, so $! is the node's own pid

# A throwaway PostgreSQL on port 55432.
PGDATA=$work/pg; mkdir -p "$PGDATA"; chown postgres "$work" "$PGDATA" 2>/dev/null || true
pgbin=$(ls -d /usr/lib/postgresql/*/bin | tail -1)
runuser -u postgres -- "$pgbin/initdb" -D "$PGDATA" -U postgres --auth=trust >/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$PGDATA" -l "$work/pg.log" -w -o "-p 55432 -c listen_addresses=127.0.0.1 -k $work" start >/dev/null
journal="postgres:Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres"

dotnet $fedactors_dll kafka-dev --ports 39092,39093,39094 > "$work/kafka.log" 2>&1 &
broker=$!
until grep -q BOOTSTRAP= "$work/kafka.log"; do kill -0 $broker 2>/dev/null || { cat "$work/kafka.log" >&2; exit 1; }; sleep 0.2; done
bootstrap=$(sed -n 's/^BOOTSTRAP=//p' "$work/kafka.log")
echo "dev broker: $bootstrap"

cat > "$work/node.conf" <<'CONF'
fedactors.aggregation.buffer.size = 5
fedactors.aggregation.model { dimension = 8, initial = zeros }
fedactors.kafka.consumer.auto-offset-reset = earliest
CONF
for i in 0 1 2; do
  dotnet $fedactors_dll node --config "$work/node.conf" --port $((4053 + i)) --seed-nodes akka.tcp://fedactors@127.0.0.1:4053 \
    --http-port $((18558 + i)) --kafka "$bootstrap" --journal "$journal" --log-level WARNING > "$work/node$i.log" 2>&1 &
  echo $! > "$work/node$i.pid"
  until grep -q HTTP= "$work/node$i.log"; do
    kill -0 "$(cat "$work/node$i.pid")" 2>/dev/null || { cat "$work/node$i.log" >&2; exit 1; }
    sleep 0.5
  done
done
dotnet $fedactors_dll status --http 127.0.0.1:18558

# 50 updates in the seed's JSON from kcat (a client that is not FedActors): delta of 8 floats, base64 LE float32.
weights=$(python3 -c 'import base64,struct; print(base64.b64encode(struct.pack("<8f",*[0.01]*8)).decode())')
for s in $(seq 0 9); do for c in 0 1 2 3 4; do
  echo "client-$c|{\"client_id\":\"client-$c\",\"sequence\":$s,\"timestamp\":\"$(date -u +%FT%TZ)\",\"model_version\":0,\"update_type\":\"delta\",\"data\":{\"weights\":\"$weights\",\"num_samples\":10}}"
done; done | kcat -P -b "$bootstrap" -t fl_client_updates_async -K '|'
sleep 5
before=$(curl -s localhost:18559/fl/status)
echo "before: $before"
agg=$(echo "$before" | python3 -c 'import json,sys; print(json.load(sys.stdin)["aggregator_node"])')
port=${agg##*:}; victim=$((port - 4053))
echo "killing node $victim ($agg) with SIGKILL"
kill -9 "$(cat "$work/node$victim.pid")"
witness=$(( (victim + 1) % 3 ))
for _ in $(seq 1 60); do
  now=$(curl -s "localhost:$((18558 + witness))/fl/status" || true)
  if echo "$now" | grep -q '"model_version"' && ! echo "$now" | grep -q "\"aggregator_node\":\"$agg\""; then echo "after:  $now"; exit 0; fi
  sleep 2
done
echo "the aggregator did not move in time" >&2; exit 1
