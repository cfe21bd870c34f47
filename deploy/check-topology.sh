#!/usr/bin/env bash
# The deployment of docker-compose.yml as processes on loopback: a migration job, then two API
# replicas on one PostgreSQL database behind Caddy (Debian's package), which appends the client
# address to X-Forwarded-For. Checks through the proxy that the replicas share each client's
# rate-limit bucket, that a change written through one replica shows in the change feed read
# through either, with nothing repeated, and that /metrics stays private; then, with the graphql-ws
# client, that a change through one replica reaches a subscriber on the other within a second,
# through the proxy too, that a reconnect catches up from its cursor, and that a refused key
# closes the socket with 4403.
#
#   API_BINARY=target/debug/api bash deploy/check-topology.sh
#
# Settings: API_BINARY (target/debug/api), PGHOST/PGPORT/PGUSER (127.0.0.1:5432, postgres),
# TOPOLOGY_PORT (18200; the replicas take the next two ports).
set -euo pipefail
cd "$(dirname "$0")/.."

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
API="${API_BINARY:-target/debug/api}"
PROXY_PORT="${TOPOLOGY_PORT:-18200}"
DB=partnership_topology
URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB"
EDITOR_KEY="topology-editor-$(date +%s%N)"
READER_KEY="topology-reader-$(date +%s%N)"
ADMIN_KEY="topology-admin-$(date +%s%N)"

if ! command -v caddy >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq caddy >/dev/null
fi

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -q -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

psql -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
# The one-off job: migrations and the seed, before any replica starts.
DATABASE_URL="$URL" RUST_LOG=warn "$API" migrate

for n in 1 2; do
  DATABASE_URL="$URL" PORT=$((PROXY_PORT + n)) RUST_LOG=warn TRUST_FORWARDED_FOR=true \
    RATE_LIMIT_CAPACITY=1000 RATE_LIMIT_RESTORE_RATE=1 MAX_QUERY_COST=1000 \
    RATE_LIMIT_CAPACITY_READER=100000 RATE_LIMIT_CAPACITY_EDITOR=100000 \
    API_KEYS="editor:$EDITOR_KEY:editor,reader:$READER_KEY:reader,admin:$ADMIN_KEY:admin" "$API" serve &
  pids+=($!)
done
cat >"$work/Caddyfile" <<CADDY
{
	admin off
}
:$PROXY_PORT {
	handle /metrics* {
		respond "Not Found" 404
	}
	handle {
		reverse_proxy 127.0.0.1:$((PROXY_PORT + 1)) 127.0.0.1:$((PROXY_PORT + 2)) {
			lb_policy round_robin
			health_uri /readyz
			health_interval 1s
		}
	}
}
CADDY
caddy run --config "$work/Caddyfile" --adapter caddyfile >"$work/caddy.log" 2>&1 &
pids+=($!)
for port in $((PROXY_PORT + 1)) $((PROXY_PORT + 2)) "$PROXY_PORT"; do
  for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 1; done
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null
done

PROXY="127.0.0.1:$PROXY_PORT" EDITOR_KEY="$EDITOR_KEY" READER_KEY="$READER_KEY" python3 - <<'PY'
import http.client, json, os, sys, time

proxy = os.environ["PROXY"]
checks = 0


def post(query, variables=None, key=None):
    connection = http.client.HTTPConnection(proxy, timeout=30)
    headers = {"content-type": "application/json"}
    if key:
        headers["x-api-key"] = key
    connection.request("POST", "/graphql", json.dumps({"query": query, "variables": variables or {}}), headers)
    response = connection.getresponse()
    return response.status, json.loads(response.read() or b"null")


def check(condition, message):
    global checks
    if not condition:
        print(f"topology check failed: {message}", file=sys.stderr)
        sys.exit(1)
    checks += 1


# One bucket per client across replicas: 1,000 points, 301 a request, alternating replicas.
hundred = "{ projects(first: 100) { nodes { id title } } }"
statuses = [post(hundred)[0] for _ in range(4)]
check(statuses[:3] == [200, 200, 200] and statuses[3] == 429,
      f"the fourth request through the proxy is rate limited whichever replica answers: {statuses}")

# A change written through one replica shows in the feed read through both, once.
feed = """query($after: String) { changes(after: $after, first: 50) {
  edges { cursor node { operation recordType recordId version } } pageInfo { endCursor hasNextPage } } }"""
status, projects = post("{ projects(first: 10) { nodes { id key } } }", key=os.environ["READER_KEY"])
project = next(p["id"] for p in projects["data"]["projects"]["nodes"] if p["key"] == "co-op")
created = []
for name in ["Through the proxy 1", "Through the proxy 2", "Through the proxy 3"]:
    status, body = post("mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } userErrors { code } } }",
                        {"input": {"project": project, "name": name}}, key=os.environ["EDITOR_KEY"])
    check(status == 200 and body["data"]["createContact"]["userErrors"] == [], f"a write through the proxy: {body}")
    created.append(body["data"]["createContact"]["contact"]["id"])
seen, cursor, deadline = [], None, time.time() + 30
while len(seen) < 3 and time.time() < deadline:
    status, body = post(feed, {"after": cursor}, key=os.environ["READER_KEY"])
    check(status == 200 and "errors" not in body, f"the feed through the proxy: {body}")
    page = body["data"]["changes"]
    seen += [edge["node"]["recordId"] for edge in page["edges"]]
    cursor = page["pageInfo"]["endCursor"] or cursor
    if not page["edges"]:
        time.sleep(0.2)
check(seen == created, f"each change once, in order, whichever replica answered: {seen} vs {created}")

connection = http.client.HTTPConnection(proxy, timeout=10)
connection.request("GET", "/metrics")
check(connection.getresponse().status == 404, "/metrics is not served through the proxy")
print(f"topology: {checks} checks passed through Caddy in front of two replicas")
PY

[ -d conformance/node_modules/graphql-ws ] || (cd conformance && npm ci --no-audit --no-fund --silent)
REPLICAS="127.0.0.1:$((PROXY_PORT + 1)),127.0.0.1:$((PROXY_PORT + 2))" PROXY="127.0.0.1:$PROXY_PORT" \
  ADMIN_KEY="$ADMIN_KEY" READER_KEY="$READER_KEY" node conformance/subscriptions.mjs
