#!/usr/bin/env bash
# Bulk export and import: generates PROJECTS synthetic projects (with their participations,
# funding lines, outcomes, events and texts) into SQLite and into PostgreSQL, times `api export`
# on each, then `api import` of that file into an empty database of the same kind, and prints
# records, seconds, records per second, peak memory and file size for each step; the copy is
# exported again and must equal the original line for line. Peak memory is the number to watch
# as PROJECTS grows: it should stay flat. Run by hand:
#
#   bash bench/bulk.sh                  # 20,000 projects
#   PROJECTS=100000 bash bench/bulk.sh
#   PROJECTS=100000 BACKENDS=sqlite bash bench/bulk.sh
#
# Settings: PROJECTS (20000), BACKENDS ("sqlite postgres"), API_BINARY (builds
# target/release/api), PGHOST/PGPORT/PGUSER (127.0.0.1:5432, postgres).
set -euo pipefail
cd "$(dirname "$0")/.."

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
PROJECTS="${PROJECTS:-20000}"
BACKENDS="${BACKENDS:-sqlite postgres}"
# Names of this run's own, so two runs at once do not meet.
DB="partnership_bench_export_$$"
COPY="partnership_bench_import_$$"
if [ -z "${API_BINARY:-}" ]; then
  cargo build --release -p api
  API_BINARY=target/release/api
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"; psql -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "DROP DATABASE IF EXISTS $COPY WITH (FORCE)" >/dev/null 2>&1 || true' EXIT

# Prints one result row from /usr/bin/time's report.
row() {
  python3 - "$@" <<'PY'
import re, sys
backend, step, timing, records, size = sys.argv[1:]
text = open(timing).read()
wall = re.search(r"Elapsed \(wall clock\) time .*: (?:(\d+):)?(\d+):([\d.]+)", text)
seconds = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
rss_mb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024
records = int(records)
print(f"{backend:<10} {step:<7} {records:>10} {seconds:>9.1f} {records / seconds:>10.0f} {rss_mb:>9.0f} MB {int(size) / 1e6:>7.0f} MB")
PY
}

psql -q -d postgres -c "CREATE DATABASE $DB" -c "CREATE DATABASE $COPY"
printf '%-10s %-7s %10s %9s %10s %12s %10s\n' backend step records seconds records/s "peak RSS" "file"
for backend in $BACKENDS; do
  case $backend in
    sqlite)
      url="sqlite://$work/export.sqlite?mode=rwc"
      copy="sqlite://$work/import.sqlite?mode=rwc"
      ;;
    postgres)
      url="postgres://$PGUSER@$PGHOST:$PGPORT/$DB"
      copy="postgres://$PGUSER@$PGHOST:$PGPORT/$COPY"
      ;;
  esac
  DATABASE_URL="$url" SKIP_SEED=true RUST_LOG=warn "$API_BINARY" generate --projects "$PROJECTS" --seed 11 >/dev/null 2>&1
  /usr/bin/time -v -o "$work/time.txt" env DATABASE_URL="$url" SKIP_SEED=true "$API_BINARY" export \
    >"$work/export.ndjson" 2>/dev/null
  records=$(($(wc -l <"$work/export.ndjson") - 1))
  row "$backend" export "$work/time.txt" "$records" "$(stat -c %s "$work/export.ndjson")"
  /usr/bin/time -v -o "$work/time.txt" env DATABASE_URL="$copy" SKIP_SEED=true RUST_LOG=warn "$API_BINARY" import \
    "$work/export.ndjson" >"$work/report.json" 2>/dev/null
  row "$backend" import "$work/time.txt" "$records" "$(stat -c %s "$work/export.ndjson")"
  DATABASE_URL="$copy" SKIP_SEED=true "$API_BINARY" export 2>/dev/null | grep -v '^{"end"' >"$work/again.ndjson"
  grep -v '^{"end"' "$work/export.ndjson" | cmp -s - "$work/again.ndjson" || {
    echo "the copy in $backend does not export the same records" >&2
    exit 1
  }
  rm -f "$work"/*.sqlite*
done
