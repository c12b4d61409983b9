"""The OpenAPI document and the registered /api/v1 routes describe the same operations.

Both directions are checked, so an endpoint any domain adds without describing
it (or describes without serving it) fails here.
"""

import re

import pytest
from openapi_spec_validator import validate

from lms.openapi import API_PREFIX, openapi_path

IGNORED_METHODS = {"HEAD", "OPTIONS"}
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.json


def registered_operations(app) -> set[tuple[str, str]]:
    operations = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API_PREFIX + "/"):
            for method in rule.methods - IGNORED_METHODS:
                operations.add((method.lower(), openapi_path(rule.rule)))
    return operations


def documented_operations(document) -> set[tuple[str, str]]:
    return {(method, path) for path, item in document["paths"].items()
            for method in item if method in HTTP_METHODS}


def test_converts_flask_rules_to_openapi_paths():
    assert openapi_path("/api/v1/members/<int:member_id>/roles") == "/members/{member_id}/roles"
    assert openapi_path("/api/v1/verify/<code>") == "/verify/{code}"
    assert openapi_path("/api/v1/a/<path:rest>/<any(x, y):kind>") == "/a/{rest}/{kind}"


def test_every_route_is_documented(app, document):
    missing = registered_operations(app) - documented_operations(document)
    assert not missing, f"routes missing from the OpenAPI document: {sorted(missing)}"


def test_every_documented_operation_is_served(app, document):
    extra = documented_operations(document) - registered_operations(app)
    assert not extra, f"documented operations with no route: {sorted(extra)}"


def test_the_accounts_contract_is_there(document):
    for method, path in [("post", "/members"), ("post", "/tokens"), ("get", "/me"),
                         ("patch", "/me"), ("put", "/members/{member_id}/roles")]:
        assert method in document["paths"][path], (method, path)


def test_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1.")
    assert document["info"]["title"] and document["info"]["version"]
    assert document["servers"] == [{"url": API_PREFIX}]
    validate(document)  # the OpenAPI 3.1 schema, including declared path parameters


def test_operations_are_complete(document):
    schemes = document["components"]["securitySchemes"]
    for path, item in document["paths"].items():
        assert path.startswith("/") and not path.startswith(API_PREFIX), path
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            assert op.get("summary"), where
            assert op["responses"], where
            errors = [code for code in op["responses"] if code[0] in "45"]
            for code in errors:
                content = op["responses"][code].get("content", {})
                assert "application/problem+json" in content, f"{where} {code}"
            for requirement in op.get("security", []):
                assert set(requirement) <= set(schemes), where


def operations_of(document):
    for path, item in document["paths"].items():
        for method, op in item.items():
            yield f"{method.upper()} {path}", op


def test_success_bodies_are_described_not_just_objects(document):
    """A generated client gets types for every field of every JSON answer."""
    bare = []
    for where, op in operations_of(document):
        for status, response in op["responses"].items():
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            if status.startswith("2") and schema is not None and not (
                    {"$ref", "properties", "allOf", "oneOf", "anyOf"} & set(schema)):
                bare.append(f"{where} {status}")
    assert not bare, f"JSON answers without a schema of their fields: {bare}"


def test_every_answer_an_operation_may_give_for_its_kind_is_listed(document):
    """401 with a token; 400, 413 and 422 with a JSON body; 404 with path ids; 400 when paged."""
    missing = []
    for where, op in operations_of(document):
        expected = set()
        if op.get("security"):
            expected.add("401")
        if "application/json" in op.get("requestBody", {}).get("content", {}):
            expected |= {"400", "413", "422"}
        if "{" in where:
            expected.add("404")
        if any(param["name"] == "page" for param in op.get("parameters", [])):
            expected.add("400")
        missing += [f"{where} {status}" for status in sorted(expected - set(op["responses"]))]
    assert not missing, missing


def test_paging_and_path_ids_state_their_limits(document):
    for where, op in operations_of(document):
        for param in op.get("parameters", []):
            schema = param["schema"]
            if param["name"] in ("page", "per_page") or (
                    param["in"] == "path" and schema.get("type") == "integer"):
                assert "minimum" in schema and "maximum" in schema, (where, param["name"])


def test_a_token_that_is_not_valid_gets_the_documented_401_everywhere(client, document):
    """Public operations too check a token that is sent, as the document says."""
    wrong = []
    for where, op in operations_of(document):
        method, path = where.split(" ", 1)
        if path == "/openapi.json":
            continue  # served outside the API's authentication
        url = API_PREFIX + re.sub(r"{\w+}", "1", path)
        response = client.open(url, method=method, headers={"Authorization": "Bearer nope"})
        if response.status_code != 401 or "401" not in op["responses"]:
            wrong.append(f"{where}: {response.status_code}")
        assert response.mimetype == "application/problem+json", where
    assert not wrong, wrong
