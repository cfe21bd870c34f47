#!/usr/bin/env bash
# This API against PostGraphile v5 on the same PostgreSQL database: generates PROJECTS projects
# (once per database), serves the database with the API (release build, rate limiting off) and
# with PostGraphile (bench/postgraphile, installed from npm), checks that both answer each
# question with the same rows, and loads both with wrk in alternating rounds. Prints req/s, p50,
# p99 and failed requests per side, the ratio API / PostGraphile, and each side's peak RSS.
#
#   bash bench/vs-postgraphile.sh                      # 100,000 projects, 16 connections
#   PROJECTS=20000 ROUNDS=1 SECONDS_PER_ROUND=3 bash bench/vs-postgraphile.sh
#
# Settings: PROJECTS (100000), CONNECTIONS (16), ROUNDS (3), SECONDS_PER_ROUND (8),
# SETTLE_SECONDS (60: RSS is read again this long after the load), ONLY (comma-separated parts
# of question names), FAIL_ON_ERRORS (1: exit 1 when the API answered any request with an
# error), API_BINARY (a built server to measure instead of this tree's), BENCH_DATABASE (partnership_vs_pgl_$PROJECTS), PGHOST/PGPORT/PGUSER
# (127.0.0.1:5432, postgres), REGENERATE (1: drop and generate again).
set -euo pipefail
cd "$(dirname "$0")/.."

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
export PROJECTS="${PROJECTS:-100000}"
DB="${BENCH_DATABASE:-partnership_vs_pgl_$PROJECTS}"
URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB"
API_PORT="${API_PORT:-18090}"
PGL_PORT="${PGL_PORT:-18091}"

if ! command -v wrk >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
(cd bench/postgraphile && npm ci --no-audit --no-fund --silent)
if [ -n "${API_BINARY:-}" ]; then
  API="$API_BINARY"
else
  cargo build --release -q -p api
  API=target/release/api
fi

if [ "${REGENERATE:-0}" = 1 ]; then dropdb --if-exists "$DB"; fi
if [ "$(psql -d postgres -Atc "SELECT count(*) FROM pg_database WHERE datname = '$DB'")" = 0 ]; then
  createdb "$DB"
  echo "generating $PROJECTS projects into $DB ..."
  DATABASE_URL="$URL" RUST_LOG=warn "$API" generate --projects "$PROJECTS" --seed 42
  psql -d "$DB" -qc "VACUUM ANALYZE"
fi

DATABASE_URL="$URL" SKIP_SEED=true PORT="$API_PORT" RUST_LOG=warn RATE_LIMIT_CAPACITY=0 \
  MAX_QUERY_COST=1000000 "$API" &
api_pid=$!
(cd bench/postgraphile && DATABASE_URL="$URL" PORT="$PGL_PORT" \
  NODE_OPTIONS="--require ./polyfill.cjs" exec node serve.mjs) 2>/dev/null &
pgl_pid=$!
trap 'kill $api_pid $pgl_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$API_PORT/readyz" >/dev/null 2>&1 &&
    curl -fsS -o /dev/null -H 'content-type: application/json' -d '{"query":"{__typename}"}' \
      "http://127.0.0.1:$PGL_PORT/graphql" 2>/dev/null && break
  sleep 1
done

API_URL="http://127.0.0.1:$API_PORT/graphql" PGL_URL="http://127.0.0.1:$PGL_PORT/graphql" \
  API_PID=$api_pid PGL_PID=$pgl_pid python3 bench/lib/vs_postgraphile.py
