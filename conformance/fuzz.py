"""Fuzzes every Query field of the running server with schemathesis in GraphQL mode.

Generated queries come from the schema (read by introspection). Each response must:
not be a 5xx; carry an ``extensions.code`` on every error; and hold no null where the schema
says non-null. Run: GRAPHQL_URL=http://127.0.0.1:8080/graphql python3 -m pytest conformance/fuzz.py
"""

import os
import graphql
import hypothesis
import requests
import schemathesis

URL = os.environ.get("GRAPHQL_URL", "http://127.0.0.1:8080/graphql")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES_PER_FIELD", "40"))

MIN_QUERIES = int(os.environ.get("FUZZ_MIN_QUERIES", "500"))
# Queries sent so far; the last test checks there were enough.
SENT = []

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
    response = case.call()
    assert response.status_code < 500, f"{response.status_code} for {case.body}"
    body = response.json()
    for error in body.get("errors") or []:
        assert (error.get("extensions") or {}).get("code"), f"error without a code: {error} for {case.body}"
    data = body.get("data")
    if isinstance(data, dict):
        errored = {".".join(str(p) for p in e.get("path", [])) for e in body.get("errors") or []}
        for key, value in data.items():
            field = sdl_schema.query_type.fields.get(key)
            if field is None:
                continue
            found = null_in_non_null(value, field.type, key)
            # A null at (or under) an errored path is how GraphQL reports that error.
            reported = found and any(found.replace("[", ".").replace("]", "").startswith(p) for p in errored if p)
            assert not found or reported, f"null in non-null field {found} for {case.body}"


def test_zz_at_least_the_minimum_number_of_queries_ran():
    print(f"\nfuzzing sent {len(SENT)} generated queries")
    assert len(SENT) >= MIN_QUERIES, f"only {len(SENT)} generated queries ran; at least {MIN_QUERIES} are required"
