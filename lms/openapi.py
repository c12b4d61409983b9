"""The OpenAPI 3.1 document, assembled from the ``OPENAPI`` dict of each API module.

Each domain's ``api.py`` describes its own paths next to its handlers; a test
checks that the document and the registered routes list the same operations.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from flask import Blueprint, current_app, jsonify

from lms import units

bp = Blueprint("openapi", __name__)

PROBLEM_SCHEMA = {"schema": {"$ref": "#/components/schemas/Problem"}}
PROBLEM = {"description": "Problem (RFC 9457)",
           "content": {"application/problem+json": PROBLEM_SCHEMA}}


#: What any JSON body may be refused with, before the operation's own checks.
JSON_BODY_PROBLEMS = {
    "400": "The body is not JSON, not an object, not UTF-8, or nested too deep",
    "413": "The body is larger than the JSON limit",
    "422": "A field holds text that cannot be stored, or is not valid",
}


def operation(summary: str, *, auth: bool = True, body: dict | None = None,
              responses: dict[int, str] | None = None, params: list[dict] | None = None) -> dict:
    """A compact way for API modules to describe one operation."""
    op: dict[str, Any] = {"summary": summary, "responses": {}}
    for status, description in (responses or {200: "OK"}).items():
        op["responses"][str(status)] = (
            PROBLEM | {"description": description} if status >= 400
            else {"description": description,
                  "content": {"application/json": {"schema": {"type": "object"}}}})
    if auth:
        op["security"] = [{"bearer": []}]
        op["responses"].setdefault("401", PROBLEM)
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        for status, description in JSON_BODY_PROBLEMS.items():  # lms.jsonbody refuses these
            op["responses"].setdefault(status, PROBLEM | {"description": description})
    if params:
        op["parameters"] = params
    return op


def obj(**properties: str) -> dict:
    """A JSON object schema from ``name="type"`` pairs; a ``?`` suffix marks it optional."""
    props, required = {}, []
    for name, kind in properties.items():
        optional = kind.endswith("?")
        props[name] = {"type": kind.rstrip("?")}
        if not optional:
            required.append(name)
    return {"type": "object", "properties": props, "required": required}


def query(name: str, kind: str = "string", description: str = "") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": {"type": kind},
            "description": description}


OPENAPI = {
    "/openapi.json": {"get": operation("This OpenAPI document", auth=False)},
}


API_PREFIX = "/api/v1"
RULE_PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def openapi_path(rule: str) -> str:
    """``/api/v1/members/<int:member_id>/roles`` → ``/members/{member_id}/roles``."""
    return RULE_PARAM.sub(r"{\2}", rule.removeprefix(API_PREFIX))


def route_parameter_types() -> dict[str, dict[str, str]]:
    """For each API path, the JSON type of each path parameter, from the Flask converters."""
    kinds = {"int": "integer", "float": "number"}
    types: dict[str, dict[str, str]] = {}
    for rule in current_app.url_map.iter_rules():
        if rule.rule.startswith(API_PREFIX + "/"):
            found = RULE_PARAM.findall(rule.rule)
            types[openapi_path(rule.rule)] = {name: kinds.get(conv, "string")
                                              for conv, name in found}
    return types


def with_path_parameters(path: str, op: dict, types: dict[str, str]) -> dict:
    """Declare the path's ``{name}`` parameters on ``op`` unless its module already did."""
    declared = {(p.get("name"), p.get("in")) for p in op.get("parameters", [])}
    missing = [{"name": name, "in": "path", "required": True,
                "schema": {"type": types.get(name, "string")}}
               for name in re.findall(r"{(\w+)}", path) if (name, "path") not in declared]
    if not missing:
        return op
    return op | {"parameters": [*missing, *op.get("parameters", [])]}


def build_document() -> dict:
    paths: dict[str, dict] = {}
    types = route_parameter_types()
    for blueprint in current_app.blueprints.values():
        module = sys.modules.get(blueprint.import_name)
        for path, operations in getattr(module, "OPENAPI", {}).items():
            described = paths.setdefault(path, {})
            for method, op in operations.items():
                described[method] = with_path_parameters(path, op, types.get(path, {}))
    return {
        "openapi": "3.1.0",
        "info": {"title": "Core Learning API", "version": "1.0.0",
                 "description": units.CE_HOURS_EXPLAINED},
        "servers": [{"url": "/api/v1"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Problem": obj(type="string", title="string", status="integer",
                                       detail="string", errors="object?")},
        },
    }


@bp.get("/api/v1/openapi.json")
def openapi_document():
    return jsonify(build_document())
