"""Search latency: sends each query of QUERIES to every API in APIS (name=url, comma-separated),
one request at a time over a kept-alive connection, ROUNDS times, and prints p50 and p95 per
query and over all queries, side by side, with the ratio of the p95s."""

import http.client
import json
import os
import statistics
import sys
import time
from urllib.parse import urlparse

QUERIES = [
    "kultura",
    "adult education",
    "rezekne",
    "kekavas",
    "siauliai jaunimui",
    '"digital skills"',
    "pieauguso izglitiba -seniors",
    "volunteering or savanoryste",
    "bibliteku",
    "kopienu attistiba latgale",
    "P4711",
    "G000",
]
DOCUMENT = """query($query: String!) { search(query: $query, first: 10) { totalCount
  edges { node { score highlights { field lang fragment } node { __typename } } } } }"""


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(url, query, rounds):
    target = urlparse(url)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
    body = json.dumps({"query": DOCUMENT, "variables": {"query": query}})
    headers = {"content-type": "application/json"}
    timings = []
    hits = None
    for _ in range(rounds):
        started = time.perf_counter()
        connection.request("POST", target.path, body, headers)
        answer = json.loads(connection.getresponse().read())
        timings.append((time.perf_counter() - started) * 1000)
        if "errors" in answer:
            sys.exit(f"{url} {query!r}: {answer['errors']}")
        hits = answer["data"]["search"]["totalCount"]
    connection.close()
    return timings, hits


def main():
    apis = [item.split("=", 1) for item in os.environ["APIS"].split(",")]
    rounds = int(os.environ.get("ROUNDS", "30"))
    header = f"{'query':<32}" + "".join(f"{name + ' hits':>14}{'p50 ms':>9}{'p95 ms':>9}" for name, _ in apis)
    print(header)
    everything = {name: [] for name, _ in apis}
    for query in QUERIES:
        row = f"{query:<32}"
        for name, url in apis:
            measure(url, query, 2)  # warm up
            timings, hits = measure(url, query, rounds)
            everything[name].extend(timings)
            row += f"{hits:>14}{statistics.median(timings):>9.1f}{percentile(timings, 0.95):>9.1f}"
        print(row, flush=True)
    row = f"{'all queries':<32}"
    for name, _ in apis:
        timings = everything[name]
        row += f"{'':>14}{statistics.median(timings):>9.1f}{percentile(timings, 0.95):>9.1f}"
    print(row)
    if len(apis) == 2:
        (a, _), (b, _) = apis
        ratio = percentile(everything[a], 0.95) / percentile(everything[b], 0.95)
        print(f"p95 {a} / {b}: {ratio:.2f}")


main()
