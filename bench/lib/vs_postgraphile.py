"""Asks this API and PostGraphile the same questions over the same PostgreSQL database.

Started by bench/vs-postgraphile.sh with both servers up. For each question it first checks that
both answers carry the same rows, then runs wrk against each side in alternating rounds and
prints req/s, p50, p99, failed requests and the peak resident memory of each server, with the
ratio API / PostGraphile. Exits non-zero when a question's rows differ or, with
FAIL_ON_ERRORS=1, when the API answered any request with an error.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

API_URL = os.environ["API_URL"]
PGL_URL = os.environ["PGL_URL"]
API_PID = int(os.environ["API_PID"])
PGL_PID = int(os.environ["PGL_PID"])
ROUNDS = int(os.environ.get("ROUNDS", "3"))
SECONDS = int(os.environ.get("SECONDS_PER_ROUND", "8"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "16"))
PROJECTS = int(os.environ["PROJECTS"])
COUNTRY = os.environ.get("COUNTRY", "LV")
FAIL_ON_ERRORS = os.environ.get("FAIL_ON_ERRORS") == "1"
ONLY = [name for name in os.environ.get("ONLY", "").split(",") if name]
HERE = os.path.dirname(os.path.abspath(__file__))


@dataclass
class Question:
    name: str
    api: str
    pgl: str
    # Turns each side's `data` into the same comparable rows.
    api_rows: callable
    pgl_rows: callable
    # For node fetches: a query template with {GID} (global ID) or {ID} (row id).
    node_range: tuple | None = None
    results: dict = field(default_factory=lambda: {"api": [], "pgl": []})


QUESTIONS = [
    Question(
        "20 projects, five scalar fields",
        "{ projects(first: 20) { nodes { id key acronym startDate endDate } } }",
        "{ projects(first: 20, orderBy: PRIMARY_KEY_ASC) { nodes { id key acronym startDate endDate } } }",
        lambda d: [(p["key"], p["acronym"], p["startDate"], p["endDate"]) for p in d["projects"]["nodes"]],
        lambda d: [(p["key"], p["acronym"], p["startDate"], p["endDate"]) for p in d["projects"]["nodes"]],
    ),
    Question(
        "20 projects > participations > organisations, funding lines",
        "{ projects(first: 20) { nodes { key participations { role organisation { key country } }"
        " fundingLines { kind amount { amount currency } } } } }",
        "{ projects(first: 20, orderBy: PRIMARY_KEY_ASC) { nodes { key"
        " participations(orderBy: PRIMARY_KEY_ASC) { nodes { role organisation { key countryCode } } }"
        " fundingLines(orderBy: PRIMARY_KEY_ASC) { nodes { kind amountMinor currency } } } } }",
        lambda d: [
            (
                p["key"],
                [(x["role"], x["organisation"]["key"], x["organisation"]["country"]) for x in p["participations"]],
                [(f["kind"], round(float(f["amount"]["amount"]) * 100), f["amount"]["currency"]) for f in p["fundingLines"]],
            )
            for p in d["projects"]["nodes"]
        ],
        lambda d: [
            (
                p["key"],
                [(x["role"], x["organisation"]["key"], x["organisation"]["countryCode"]) for x in p["participations"]["nodes"]],
                [(f["kind"], int(f["amountMinor"]), f["currency"]) for f in p["fundingLines"]["nodes"]],
            )
            for p in d["projects"]["nodes"]
        ],
    ),
    Question(
        "50 projects > all outcomes, events, participations > organisation > participations",
        "{ projects(first: 50) { nodes { key outcomes(topLevelOnly: false) { kind code plannedQuantity }"
        " events(topLevelOnly: false) { kind date }"
        " participations { role organisation { key participations { role } } } } } }",
        "{ projects(first: 50, orderBy: PRIMARY_KEY_ASC) { nodes { key"
        " outcomes(orderBy: PRIMARY_KEY_ASC) { nodes { kind code plannedQuantity } }"
        " events(orderBy: PRIMARY_KEY_ASC) { nodes { kind startDate } }"
        " participations(orderBy: PRIMARY_KEY_ASC) { nodes { role organisation { key"
        " participations(orderBy: PRIMARY_KEY_ASC) { nodes { role } } } } } } } }",
        lambda d: [
            (
                p["key"],
                sorted((o["kind"], o["code"], o["plannedQuantity"]) for o in p["outcomes"]),
                sorted((e["kind"], e["date"]) for e in p["events"]),
                [(x["role"], x["organisation"]["key"], [y["role"] for y in x["organisation"]["participations"]]) for x in p["participations"]],
            )
            for p in d["projects"]["nodes"]
        ],
        lambda d: [
            (
                p["key"],
                sorted((o["kind"], o["code"], o["plannedQuantity"]) for o in p["outcomes"]["nodes"]),
                sorted((e["kind"], e["startDate"]) for e in p["events"]["nodes"]),
                [
                    (x["role"], x["organisation"]["key"], [y["role"] for y in x["organisation"]["participations"]["nodes"]])
                    for x in p["participations"]["nodes"]
                ],
            )
            for p in d["projects"]["nodes"]
        ],
    ),
    Question(
        "20 projects with a partner in one country, with totalCount",
        '{ projects(first: 20, filter: { country: ["%s"] }) { totalCount nodes { key } } }' % COUNTRY,
        "{ projects(first: 20, orderBy: PRIMARY_KEY_ASC, filter: { participations: { some: { organisation:"
        ' { countryCode: { equalTo: "%s" } } } } }) { totalCount nodes { key } } }' % COUNTRY,
        lambda d: [d["projects"]["totalCount"], [p["key"] for p in d["projects"]["nodes"]]],
        lambda d: [d["projects"]["totalCount"], [p["key"] for p in d["projects"]["nodes"]]],
    ),
    Question(
        "100 organisations > participations > project",
        "{ organisations(first: 100) { nodes { key participations { role project { key } } } } }",
        "{ organisations(first: 100, orderBy: PRIMARY_KEY_ASC) { nodes { key"
        " participations(orderBy: PRIMARY_KEY_ASC) { nodes { role project { key } } } } } }",
        lambda d: [(o["key"], [(x["role"], x["project"]["key"]) for x in o["participations"]]) for o in d["organisations"]["nodes"]],
        lambda d: [
            (o["key"], [(x["role"], x["project"]["key"]) for x in o["participations"]["nodes"]])
            for o in d["organisations"]["nodes"]
        ],
    ),
    Question(
        "one project by ID (node fetch)",
        '{ node(id: "{GID}") { ... on Project { key acronym startDate endDate } } }',
        "{ project(rowId: {ID}) { key acronym startDate endDate } }",
        lambda d: [(d["node"]["key"], d["node"]["acronym"], d["node"]["startDate"], d["node"]["endDate"])],
        lambda d: [(d["project"]["key"], d["project"]["acronym"], d["project"]["startDate"], d["project"]["endDate"])],
        node_range=(1, PROJECTS),
    ),
    Question(
        "funding totals by funder and currency (GROUP BY)",
        "{ fundingTotals(groupBy: [FUNDER], limit: 1000) { groups { funder { key } amount { amount currency } lineCount } } }",
        "{ fundingLines { groupedAggregates(groupBy: [FUNDER_ID, CURRENCY]) { keys sum { amountMinor } } } }",
        lambda d: sorted(
            (round(float(g["amount"]["amount"]) * 100), g["lineCount"] >= 0) for g in d["fundingTotals"]["groups"]
        ),
        lambda d: sorted((int(g["sum"]["amountMinor"]), True) for g in d["fundingLines"]["groupedAggregates"]),
    ),
]


def b64_project(row_id: int) -> str:
    import base64

    return base64.urlsafe_b64encode(f"Project:{row_id}".encode()).decode().rstrip("=")


def concrete(query: str, row_id: int) -> str:
    return query.replace("{GID}", b64_project(row_id)).replace("{ID}", str(row_id))


def post(url: str, query: str) -> dict:
    body = json.dumps({"query": query}).encode()
    request = urllib.request.Request(url, body, {"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"{url} answered HTTP {error.code}: {error.read()[:500]!r}") from None
    if answer.get("errors"):
        raise RuntimeError(f"{url} answered with errors: {json.dumps(answer['errors'])[:500]}")
    return answer["data"]


def same_rows(question: Question) -> bool:
    row_id = max(1, PROJECTS // 2)
    api = question.api_rows(post(API_URL, concrete(question.api, row_id)))
    pgl = question.pgl_rows(post(PGL_URL, concrete(question.pgl, row_id)))
    if api != pgl:
        print(f"  rows differ for '{question.name}':\n    API: {str(api)[:400]}\n    PGL: {str(pgl)[:400]}")
        return False
    return True


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def wrk(url: str, question: Question, query: str) -> dict:
    env = dict(os.environ)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as body:
        json.dump({"query": query}, body)
    if question.node_range:
        env["NODE_IDS"] = f"{question.node_range[0]}:{question.node_range[1]}"
        env["NODE_TEMPLATE"] = json.dumps({"query": query})
    else:
        env["BODY_FILE"] = body.name
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--timeout", "30s", "-s", os.path.join(HERE, "graphql.lua"), url],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(body.name)
    values = {}
    for line in out.splitlines():
        key, _, value = line.partition(": ")
        if key in ("failed", "rps", "p50_ms", "p99_ms"):
            values[key] = float(value)
    return values


def main() -> int:
    questions = [q for q in QUESTIONS if not ONLY or any(o in q.name for o in ONLY)]
    print(f"{PROJECTS} projects, {CONNECTIONS} connections, {ROUNDS} alternating rounds of {SECONDS} s, medians\n")
    ok = True
    for question in questions:
        if not same_rows(question):
            ok = False
    if not ok:
        return 1
    print("both sides return the same rows for every question\n")
    if os.environ.get("CHECK_ONLY") == "1":
        return 0
    api_failed = 0
    for question in questions:
        for _ in range(ROUNDS):
            question.results["api"].append(wrk(API_URL, question, question.api))
            question.results["pgl"].append(wrk(PGL_URL, question, question.pgl))
    header = f"{'question':<82} {'API req/s':>9} {'PGL req/s':>9} {'ratio':>6} {'API p50':>8} {'PGL p50':>8} {'API p99':>8} {'PGL p99':>8} {'API fail':>8} {'PGL fail':>8}"
    print(header)
    for question in questions:
        med = lambda side, key: statistics.median(r[key] for r in question.results[side])
        failed = lambda side: int(sum(r["failed"] for r in question.results[side]))
        api_failed += failed("api")
        ratio = med("api", "rps") / med("pgl", "rps") if med("pgl", "rps") else float("inf")
        print(
            f"{question.name:<82} {med('api', 'rps'):>9.1f} {med('pgl', 'rps'):>9.1f} {ratio:>6.2f}"
            f" {med('api', 'p50_ms'):>8.1f} {med('pgl', 'p50_ms'):>8.1f} {med('api', 'p99_ms'):>8.1f} {med('pgl', 'p99_ms'):>8.1f}"
            f" {failed('api'):>8} {failed('pgl'):>8}"
        )
    print(f"\npeak RSS: API {peak_rss_mb(API_PID):.0f} MB, PostGraphile {peak_rss_mb(PGL_PID):.0f} MB")
    settle = int(os.environ.get("SETTLE_SECONDS", "60"))
    if settle:
        time.sleep(settle)
        print(f"RSS {settle} s after the load: API {rss_mb(API_PID):.0f} MB, PostGraphile {rss_mb(PGL_PID):.0f} MB")
    print(f"API requests answered with an error: {api_failed}")
    if FAIL_ON_ERRORS and api_failed:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
