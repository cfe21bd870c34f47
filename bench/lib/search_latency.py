"""Search latency: sends each query of QUERIES to every API in APIS (name=url, comma-separated),
one request at a time over a kept-alive connection per API, ROUNDS times, the APIs taking turns,
and prints p50 and p95 per query and over all queries, side by side, with the ratio of the
p95s."""

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


class Client:
    """One API, over a kept-alive connection."""

    def __init__(self, url):
        target = urlparse(url)
        self.url = url
        self.path = target.path
        self.connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)

    def search(self, query):
        """Sends one search; returns its time in ms and its totalCount."""
        body = json.dumps({"query": DOCUMENT, "variables": {"query": query}})
        started = time.perf_counter()
        self.connection.request("POST", self.path, body, {"content-type": "application/json"})
        answer = json.loads(self.connection.getresponse().read())
        elapsed = (time.perf_counter() - started) * 1000
        if "errors" in answer:
            sys.exit(f"{self.url} {query!r}: {answer['errors']}")
        return elapsed, answer["data"]["search"]["totalCount"]


def measure(clients, query, rounds):
    """Times `query` on every client, taking turns round by round, so that a slower minute of
    the machine weighs on every API alike."""
    for client in clients:
        for _ in range(2):  # warm up
            client.search(query)
    timings = [[] for _ in clients]
    hits = [None for _ in clients]
    for _ in range(rounds):
        for index, client in enumerate(clients):
            elapsed, hits[index] = client.search(query)
            timings[index].append(elapsed)
    return timings, hits


def main():
    apis = [item.split("=", 1) for item in os.environ["APIS"].split(",")]
    rounds = int(os.environ.get("ROUNDS", "30"))
    header = f"{'query':<32}" + "".join(f"{name + ' hits':>14}{'p50 ms':>9}{'p95 ms':>9}" for name, _ in apis)
    print(header)
    everything = {name: [] for name, _ in apis}
    clients = [Client(url) for _, url in apis]
    for query in QUERIES:
        row = f"{query:<32}"
        per_api, hits = measure(clients, query, rounds)
        for (name, _), timings, found in zip(apis, per_api, hits):
            everything[name].extend(timings)
            row += f"{found:>14}{statistics.median(timings):>9.1f}{percentile(timings, 0.95):>9.1f}"
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
