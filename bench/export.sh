#!/usr/bin/env bash
# Bulk export: generates PROJECTS synthetic projects (with their participations, funding
# lines, outcomes, events and texts) into SQLite and into PostgreSQL, then times `api export`
# on each and prints records, seconds, records per second, peak memory and output size. The
# peak memory is the number to watch as PROJECTS grows: it should stay flat. Run by hand:
#
#   bash bench/export.sh                  # 20,000 projects
#   PROJECTS=100000 bash bench/export.sh
#
# Settings: PROJECTS (20000), API_BINARY (builds target/release/api), PGHOST/PGPORT/PGUSER
# (127.0.0.1:5432, postgres).
set -euo pipefail
cd "$(dirname "$0")/.."

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
PROJECTS="${PROJECTS:-20000}"
DB=partnership_bench_export
if [ -z "${API_BINARY:-}" ]; then
  cargo build --release -p api
  API_BINARY=target/release/api
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

psql -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
printf '%-10s %10s %9s %10s %12s %10s\n' backend records seconds records/s "peak RSS" "output"
for backend in sqlite postgres; do
  case $backend in
    sqlite) url="sqlite://$work/export.sqlite?mode=rwc" ;;
    postgres) url="postgres://$PGUSER@$PGHOST:$PGPORT/$DB" ;;
  esac
  DATABASE_URL="$url" SKIP_SEED=true RUST_LOG=warn "$API_BINARY" generate --projects "$PROJECTS" --seed 11 >/dev/null 2>&1
  /usr/bin/time -v -o "$work/time.txt" env DATABASE_URL="$url" SKIP_SEED=true "$API_BINARY" export \
    >"$work/export.ndjson" 2>/dev/null
  python3 - "$backend" "$work/time.txt" "$work/export.ndjson" <<'PY'
import os, re, sys
backend, timing, output = sys.argv[1:]
text = open(timing).read()
wall = re.search(r"Elapsed \(wall clock\) time .*: (?:(\d+):)?(\d+):([\d.]+)", text)
seconds = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
rss_mb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024
with open(output, "rb") as f:
    records = sum(1 for _ in f) - 1  # the end line
size_mb = os.path.getsize(output) / 1e6
print(f"{backend:<10} {records:>10} {seconds:>9.1f} {records / seconds:>10.0f} {rss_mb:>9.0f} MB {size_mb:>7.0f} MB")
PY
done
psql -q -d postgres -c "DROP DATABASE IF EXISTS $DB"
