#!/usr/bin/env bash
# Search latency at scale: generates PROJECTS projects (titles and summaries in Latvian,
# English and Lithuanian) into SQLite and into PostgreSQL, serves each with the API (release
# build, rate limiting off), and sends a fixed set of searches (words, typos, phrases,
# exclusions, `or`, codes) one at a time, printing p50 and p95 per query and overall, side by
# side. The target is a p95 under 50 ms at 100,000 projects.
#
#   bash bench/search.sh                    # 100,000 projects, 30 rounds per query
#   PROJECTS=2000 ROUNDS=5 bash bench/search.sh
#
# Settings: PROJECTS (100000), ROUNDS (30), API_BINARY (builds target/release/api),
# PGHOST/PGPORT/PGUSER (127.0.0.1:5432, postgres).
set -euo pipefail
cd "$(dirname "$0")/.."

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
PROJECTS="${PROJECTS:-100000}"
DB="partnership_bench_search_$$"
if [ -z "${API_BINARY:-}" ]; then
  cargo build --release -q -p api
  API_BINARY=target/release/api
fi
work="$(mktemp -d)"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"; psql -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true' EXIT

psql -q -d postgres -c "CREATE DATABASE $DB"
sqlite="sqlite://$work/search.sqlite?mode=rwc"
postgres="postgres://$PGUSER@$PGHOST:$PGPORT/$DB"
port=18190
apis=()
for backend in sqlite postgres; do
  url="${!backend}"
  echo "generating $PROJECTS projects into $backend ..." >&2
  DATABASE_URL="$url" SKIP_SEED=true RUST_LOG=warn "$API_BINARY" generate --projects "$PROJECTS" --seed 7 --quiet
  if [ "$backend" = postgres ]; then psql -d "$DB" -qc "VACUUM ANALYZE"; fi
  DATABASE_URL="$url" SKIP_SEED=true PORT="$port" RUST_LOG=warn RATE_LIMIT_CAPACITY=0 "$API_BINARY" &
  pids+=($!)
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 1
  done
  apis+=("$backend=http://127.0.0.1:$port/graphql")
  port=$((port + 1))
done
APIS="$(IFS=,; echo "${apis[*]}")" ROUNDS="${ROUNDS:-30}" python3 bench/lib/search_latency.py
