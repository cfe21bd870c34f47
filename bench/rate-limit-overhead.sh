#!/usr/bin/env bash
# What the database-kept rate-limit bucket costs a request: starts the API in release mode with
# rate limiting off and on, on SQLite and on PostgreSQL, sends the same small query from
# CLIENTS concurrent clients (REQUESTS in all) and prints requests per second and latency
# percentiles for each. Run by hand:
#
#   bash bench/rate-limit-overhead.sh
#
# Settings: REQUESTS (4000), CLIENTS (8), PGHOST/PGPORT/PGUSER (127.0.0.1:5432, postgres).
set -euo pipefail
cd "$(dirname "$0")/.."

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
REQUESTS="${REQUESTS:-4000}"
CLIENTS="${CLIENTS:-8}"
PORT="${BENCH_PORT:-18090}"
DB=partnership_bench_rate

cargo build --release -p api
API=target/release/api
work="$(mktemp -d)"
api_pid=""
trap 'kill $api_pid 2>/dev/null || true; rm -rf "$work"' EXIT

measure() { # backend label database-url capacity
  DATABASE_URL="$3" RATE_LIMIT_CAPACITY="$4" PORT="$PORT" RUST_LOG=warn "$API" &
  api_pid=$!
  for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 1; done
  python3 - "$1" "$2" <<PY
import http.client, json, statistics, sys, threading, time
backend, label = sys.argv[1], sys.argv[2]
body = json.dumps({"query": "{ projects(first: 5) { nodes { id title } } }"})
per_client = $REQUESTS // $CLIENTS
latencies, lock = [], threading.Lock()
def client():
    conn = http.client.HTTPConnection("127.0.0.1", $PORT)
    mine = []
    for _ in range(per_client):
        start = time.perf_counter()
        conn.request("POST", "/graphql", body, {"content-type": "application/json"})
        response = conn.getresponse()
        payload = response.read()
        assert response.status == 200 and b'"errors"' not in payload, payload
        mine.append(time.perf_counter() - start)
    with lock:
        latencies.extend(mine)
threads = [threading.Thread(target=client) for _ in range($CLIENTS)]
start = time.perf_counter()
for t in threads: t.start()
for t in threads: t.join()
elapsed = time.perf_counter() - start
q = statistics.quantiles(latencies, n=100)
print(f"{backend:10} {label:14} {len(latencies) / elapsed:8.0f} req/s   p50 {q[49] * 1000:6.2f} ms   p99 {q[98] * 1000:6.2f} ms")
PY
  kill "$api_pid"; wait "$api_pid" 2>/dev/null || true
}

echo "backend    rate limiting   throughput    latency ($CLIENTS clients, $REQUESTS requests)"
measure sqlite off "sqlite://$work/off.sqlite?mode=rwc" 0
measure sqlite on "sqlite://$work/on.sqlite?mode=rwc" 1000000000
if pg_isready -q; then
  dropdb --if-exists "$DB"; createdb "$DB"
  measure postgres off "postgres://$PGUSER@$PGHOST:$PGPORT/$DB" 0
  measure postgres on "postgres://$PGUSER@$PGHOST:$PGPORT/$DB" 1000000000
  dropdb --if-exists "$DB"
fi
