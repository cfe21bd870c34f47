#!/usr/bin/env bash
# The browser test: serves the seed data on a fresh SQLite file, drives Debian's Chromium
# through the dashboard and the explorer (dashboard.mjs), then does it again on a server that
# runs trusted documents only. Screenshots go to target/screenshots/.
#
#   bash tests/browser/run.sh            # builds target/debug/api
#   API_BINARY=target/release/api bash tests/browser/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
(cd tests/browser && npm ci --no-audit --no-fund --silent)
if [ -z "${API_BINARY:-}" ]; then
  cargo build -q -p api
  API_BINARY="${CARGO_TARGET_DIR:-target}/debug/api"
fi
export SCREENSHOTS="${SCREENSHOTS:-$PWD/target/screenshots}"
work="$(mktemp -d)"
server=""
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT

# Starts the API on $port with the extra settings given, and waits until it is ready.
serve() {
  port=$1
  shift
  env "$@" DATABASE_URL="sqlite://$work/browser-$port.sqlite?mode=rwc" PORT="$port" RUST_LOG=warn \
    "$API_BINARY" &
  server=$!
  for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return; sleep 1; done
  echo "the API did not start on port $port" >&2
  exit 1
}

serve 18291
API_URL=http://127.0.0.1:18291 node tests/browser/dashboard.mjs
kill $server; wait $server 2>/dev/null || true

# A manifest that trusts one unrelated document: the dashboard's own must still run.
printf '{"%s": "%s"}' "$(printf '%s' '{ viewer { role } }' | sha256sum | cut -d' ' -f1)" '{ viewer { role } }' \
  >"$work/trusted.json"
serve 18292 TRUSTED_DOCUMENTS="$work/trusted.json"
API_URL=http://127.0.0.1:18292 TRUSTED_ONLY=1 node tests/browser/dashboard.mjs
