#!/usr/bin/env bash
# Benchmark of the funding totals: generates 100,000 projects with over a million funding lines
# (8 to 13 per project)
# in PostgreSQL, starts the API in release mode, and times three groupings through the API and
# the same aggregation as plain SQL through psql, in the same run. Run by hand:
#
#   bash bench/funding-totals.sh            # generate (once) and measure
#   REGENERATE=1 bash bench/funding-totals.sh
#
# Settings: BENCH_DATABASE (default partnership_bench), PGHOST/PGPORT/PGUSER (default
# 127.0.0.1:5432, postgres), PROJECTS (100000), RUNS (5 timed runs each; the median is shown).
set -euo pipefail
cd "$(dirname "$0")/.."

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
DB="${BENCH_DATABASE:-partnership_bench}"
PROJECTS="${PROJECTS:-100000}"
RUNS="${RUNS:-5}"
PORT="${BENCH_PORT:-18080}"
URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB"

cargo build --release -p api
API=target/release/api

if [ "${REGENERATE:-0}" = 1 ]; then dropdb --if-exists "$DB"; fi
if [ "$(psql -d postgres -Atc "SELECT count(*) FROM pg_database WHERE datname = '$DB'")" = 0 ]; then
  createdb "$DB"
  echo "generating $PROJECTS projects into $DB ..."
  start=$(date +%s)
  DATABASE_URL="$URL" "$API" generate --projects "$PROJECTS" --min-lines 8 --max-lines 13 --seed 42
  echo "generated in $(( $(date +%s) - start )) s"
  psql -d "$DB" -qc "VACUUM ANALYZE"
fi
psql -d "$DB" -Atc "SELECT 'projects: ' || count(*) FROM projects; SELECT 'funding lines: ' || count(*) FROM funding_lines"

DATABASE_URL="$URL" SKIP_SEED=true PORT="$PORT" RUST_LOG=warn "$API" &
api_pid=$!
trap 'kill $api_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 1; done

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

time_api() { # $1: GraphQL query
  local body
  body=$(printf '{"query":%s}' "$(printf '%s' "$1" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')")
  curl -fsS -o /dev/null -H 'content-type: application/json' -d "$body" "http://127.0.0.1:$PORT/graphql" # warm-up
  for _ in $(seq 1 "$RUNS"); do
    curl -fsS -o /dev/null -w '%{time_total}\n' -H 'content-type: application/json' -d "$body" "http://127.0.0.1:$PORT/graphql"
  done | awk '{ printf "%.1f\n", $1 * 1000 }' | median
}

time_sql() { # $1: SQL
  { echo '\timing on'; for _ in $(seq 0 "$RUNS"); do echo "$1"; done; } |
    psql -d "$DB" -q -o /dev/null 2>&1 | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n "$RUNS" | median
}

LINES="FROM funding_lines fl LEFT JOIN programmes pr ON pr.id = fl.programme_id"
declare -a NAMES QUERIES SQLS
NAMES+=("funder x year")
QUERIES+=("{ fundingTotals(groupBy: [FUNDER, YEAR], limit: 10000) { groups { funder { id } year amount { amount currency } projectCount lineCount } } }")
SQLS+=("SELECT COALESCE(fl.funder_id, pr.funder_id) f, p.start_year y, fl.currency c, CAST(SUM(fl.amount_minor) AS BIGINT), COUNT(DISTINCT fl.project_id), COUNT(fl.id) $LINES JOIN projects p ON p.id = fl.project_id GROUP BY 1, 2, 3 ORDER BY 1 NULLS LAST, 2 NULLS LAST, 3 NULLS LAST LIMIT 10001;")
NAMES+=("lead country x kind")
QUERIES+=("{ fundingTotals(groupBy: [KIND, LEAD_COUNTRY], limit: 10000) { groups { kind country amount { amount currency } projectCount lineCount } } }")
SQLS+=("SELECT fl.kind k, lead.country_code co, fl.currency c, CAST(SUM(fl.amount_minor) AS BIGINT), COUNT(DISTINCT fl.project_id), COUNT(fl.id) $LINES LEFT JOIN (SELECT pa.project_id, MIN(o.country_code) country_code FROM participations pa JOIN organisations o ON o.id = pa.organisation_id WHERE pa.role = 'LEAD_PARTNER' GROUP BY pa.project_id) lead ON lead.project_id = fl.project_id GROUP BY 1, 2, 3 ORDER BY 1 NULLS LAST, 2 NULLS LAST, 3 NULLS LAST LIMIT 10001;")
NAMES+=("programme tree x currency")
QUERIES+=("{ fundingTotals(groupBy: [PROGRAMME_TREE], limit: 10000) { groups { programme { id } amount { amount currency } projectCount lineCount } } }")
SQLS+=("SELECT pa.ancestor_id a, fl.currency c, CAST(SUM(fl.amount_minor) AS BIGINT), COUNT(DISTINCT fl.project_id), COUNT(fl.id) $LINES LEFT JOIN programme_ancestors pa ON pa.programme_id = fl.programme_id GROUP BY 1, 2 ORDER BY 1 NULLS LAST, 2 NULLS LAST LIMIT 10001;")

printf '\n%-28s %10s %10s %7s\n' "grouping" "API ms" "SQL ms" "ratio"
for i in "${!NAMES[@]}"; do
  api_ms=$(time_api "${QUERIES[$i]}")
  sql_ms=$(time_sql "${SQLS[$i]}")
  ratio=$(awk -v a="$api_ms" -v s="$sql_ms" 'BEGIN { printf "%.2f", a / s }')
  printf '%-28s %10s %10s %7s\n' "${NAMES[$i]}" "$api_ms" "$sql_ms" "$ratio"
done
echo "targets: API within 1.5x of plain SQL and under 1000 ms"
