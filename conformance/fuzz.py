"""Fuzzes every Query and Mutation field of the running server with schemathesis in GraphQL
mode.

Generated operations come from the schema (read by introspection). Mutations are sent with the
editor key in ``FUZZ_API_KEY`` (as ``x-api-key``), so they reach validation and the write path
rather than stopping at FORBIDDEN. Each response must: not be a 5xx; carry an
``extensions.code`` on every error; and hold no null where the schema says non-null.
Run: GRAPHQL_URL=http://127.0.0.1:8080/graphql FUZZ_API_KEY=... python3 -m pytest conformance/fuzz.py
"""

import os
import graphql
import hypothesis
import requests
import schemathesis

URL = os.environ.get("GRAPHQL_URL", "http://127.0.0.1:8080/graphql")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES_PER_FIELD", "40"))
API_KEY = os.environ.get("FUZZ_API_KEY")
HEADERS = {"x-api-key": API_KEY} if API_KEY else {}

MIN_QUERIES = int(os.environ.get("FUZZ_MIN_QUERIES", "500"))
# Queries sent so far; the last test checks there were enough.
SENT = []
# Mutations among them, and how many of those got past authorization to validation.
MUTATIONS = []
WRITES_VALIDATED = []

# Values for the API's own scalars: mostly well-formed (so inputs reach validation and the
# write path), sometimes not (so the scalars' own refusals are exercised too).
strings = schemathesis.graphql.nodes.String
schemathesis.graphql.scalar("LanguageCode", hypothesis.strategies.sampled_from(["lv", "lt", "en", "no", "xx", "LV", ""]).map(strings))
schemathesis.graphql.scalar("CountryCode", hypothesis.strategies.sampled_from(["LV", "LT", "NO", "DK", "XX", "lv", "EUR"]).map(strings))
schemathesis.graphql.scalar("CurrencyCode", hypothesis.strategies.sampled_from(["EUR", "NOK", "JPY", "KWD", "XYZ", "eur"]).map(strings))
schemathesis.graphql.scalar(
    "Decimal",
    hypothesis.strategies.one_of(
        hypothesis.strategies.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
        hypothesis.strategies.sampled_from(["0", "-1", "12000.50", "1e400", "abc", "99999999999999999999"]),
    ).map(strings),
)
schemathesis.graphql.scalar("LocalTime", hypothesis.strategies.sampled_from(["10:00", "23:59", "24:00", "9am"]).map(strings))
schemathesis.graphql.scalar(
    "DateTime",
    hypothesis.strategies.sampled_from(["2024-01-01T00:00:00Z", "2024-06-01T10:00:00+02:00", "yesterday"]).map(strings),
)

schema = schemathesis.graphql.from_url(URL)
sdl_schema = graphql.build_client_schema(requests.post(URL, json={"query": graphql.get_introspection_query()}).json()["data"])


def null_in_non_null(value, selection_type, path):
    """Returns the path of a null that the schema says cannot be null, if any."""
    named = selection_type
    if isinstance(named, graphql.GraphQLNonNull):
        if value is None:
            return path
        named = named.of_type
    if value is None:
        return None
    if isinstance(named, graphql.GraphQLList):
        for index, item in enumerate(value):
            found = null_in_non_null(item, named.of_type, f"{path}[{index}]")
            if found:
                return found
        return None
    if isinstance(named, (graphql.GraphQLObjectType, graphql.GraphQLInterfaceType)) and isinstance(value, dict):
        typename = value.get("__typename")
        concrete = sdl_schema.get_type(typename) if typename else named
        fields = getattr(concrete, "fields", {}) or named.fields
        for key, item in value.items():
            field = fields.get(key)
            if field is None:
                continue  # an alias; its type is checked where it is named
            found = null_in_non_null(item, field.type, f"{path}.{key}")
            if found:
                return found
    return None



@schema.parametrize()
@hypothesis.settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(hypothesis.HealthCheck), database=None)
def test_generated_queries_get_no_5xx_coded_errors_and_no_null_in_non_null_fields(case):
    SENT.append(1)
    response = case.call(headers=HEADERS)
    if str(case.body).lstrip().startswith("mutation"):
        MUTATIONS.append(1)
        if "userErrors" in response.text or "deletedId" in response.text:
            WRITES_VALIDATED.append(1)
    assert response.status_code < 500, f"{response.status_code} for {case.body}"
    body = response.json()
    for error in body.get("errors") or []:
        assert (error.get("extensions") or {}).get("code"), f"error without a code: {error} for {case.body}"
    data = body.get("data")
    if isinstance(data, dict):
        errored = {".".join(str(p) for p in e.get("path", [])) for e in body.get("errors") or []}
        for key, value in data.items():
            roots = [sdl_schema.query_type, sdl_schema.mutation_type]
            field = next((r.fields[key] for r in roots if r is not None and key in r.fields), None)
            if field is None:
                continue
            found = null_in_non_null(value, field.type, key)
            # A null at (or under) an errored path is how GraphQL reports that error.
            reported = found and any(found.replace("[", ".").replace("]", "").startswith(p) for p in errored if p)
            assert not found or reported, f"null in non-null field {found} for {case.body}"


def test_zz_at_least_the_minimum_number_of_queries_ran():
    print(f"\nfuzzing sent {len(SENT)} generated operations")
    assert len(SENT) >= MIN_QUERIES, f"only {len(SENT)} generated queries ran; at least {MIN_QUERIES} are required"


def test_zz_mutations_were_fuzzed_with_a_writing_key():
    assert API_KEY, "FUZZ_API_KEY must hold an editor key, so mutations reach the write path"
    # create, update and delete for 11 record types, plus attaching and detaching sources.
    assert sdl_schema.mutation_type is not None and len(sdl_schema.mutation_type.fields) >= 35
    print(f"\n{len(MUTATIONS)} generated mutations; {len(WRITES_VALIDATED)} answered by the write path")
    assert len(MUTATIONS) >= 35 * 10, f"only {len(MUTATIONS)} mutations were generated"
    assert WRITES_VALIDATED, "no mutation reached the write path: is FUZZ_API_KEY an editor key?"
