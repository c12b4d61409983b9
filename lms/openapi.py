"""The OpenAPI 3.1 document, assembled from the ``OPENAPI`` dict of each API module.

Each domain's ``api.py`` describes its own paths next to its handlers (and the
shapes of its objects in ``SCHEMAS``); a test checks that the document and the
registered routes list the same operations, and another calls every operation
with generated requests and checks every answer against the document.

:func:`operation` adds the answers every operation of a kind may give, so the
modules only list their own: 401 for authenticated operations; 400 (malformed
or too deeply nested JSON), 413 (too large) and 422 (invalid fields, text that
cannot be stored) for a JSON body; 400 for bad paging and the list shape for
paged lists; 429 with ``Retry-After`` for rate-limited operations. The document
builder adds 404 to every operation with path parameters (no such object, or an
id no row can have), and states :mod:`lms.text`'s rule on everything sent: no
string or field name of a JSON body, no query or path value holds a control
character (:func:`storable`; 422 in a body, 400 in the address).
"""

from __future__ import annotations

import re
import sys
from typing import Any

from flask import Blueprint, current_app, jsonify

from lms import units
from lms.apikit import MAX_PAGE, MAX_PER_PAGE
from lms.text import CONTROL_CHARACTERS
from lms.web import MAX_DATABASE_ID

bp = Blueprint("openapi", __name__)

PROBLEM_SCHEMA = {"schema": {"$ref": "#/components/schemas/Problem"}}
PROBLEM = {"description": "Problem (RFC 9457)",
           "content": {"application/problem+json": PROBLEM_SCHEMA}}

#: What any JSON body may be refused with (by :mod:`lms.jsonbody` and
#: :func:`lms.apikit.json_body`), before and besides the operation's own checks.
JSON_BODY_PROBLEMS = {
    400: "The body is not a JSON object (malformed, not UTF-8, nested too deeply, "
         "or another type)",
    413: "The body is larger than the JSON limit",
    422: "Invalid fields (errors names each); text with a control character (tab and line "
         "breaks aside) or an unpaired surrogate is refused",
}
ANY_BODY = {"type": "object", "additionalProperties": True}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    """``schema`` or null."""
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    kind = schema["type"]
    return schema | {"type": [*(kind if isinstance(kind, list) else [kind]), "null"]}


def listing_of(item: dict, **extra: dict) -> dict:
    """The list shape of API.md: ``{items, total, page, per_page}`` (plus ``extra`` fields)."""
    properties = {"items": {"type": "array", "items": item},
                  "total": {"type": "integer", "minimum": 0},
                  "page": {"type": "integer", "minimum": 1},
                  "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}}
    return {"type": "object", "properties": properties | extra,
            "required": ["items", "total", "page", "per_page"]}


def items_of(item: dict, **extra: dict) -> dict:
    """An unpaged list: ``{items, total}``."""
    return {"type": "object", "required": ["items", "total"],
            "properties": {"items": {"type": "array", "items": item},
                           "total": {"type": "integer", "minimum": 0}} | extra}


def json_response(description: str, schema: dict | None = None) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": schema or ANY_BODY}}}


def file_response(media_type: str, description: str) -> dict:
    """A download (PDF, CSV, plain text): its bytes, with a ``Content-Disposition``."""
    return {"description": description,
            "content": {media_type: {"schema": {"type": "string"}}}}


def alternatives(description: str, *media_types: str) -> dict:
    """One status, several media types (``format=csv`` on a JSON report, say)."""
    return {"description": description,
            "content": {kind: {"schema": {"type": "string"}} for kind in media_types}}


def redirect(description: str) -> dict:
    return {"description": description,
            "headers": {"Location": {"required": True, "schema": {"type": "string"}}}}


def no_content(description: str) -> dict:
    return {"description": description}


def problem(description: str, **headers: dict) -> dict:
    response = PROBLEM | {"description": description}
    return response | {"headers": headers} if headers else response


RETRY_AFTER = {"required": True, "description": "Seconds to wait",
               "schema": {"type": "string", "pattern": "^[0-9]+$"}}
RATE_LIMITED = problem("Too many requests", **{"Retry-After": RETRY_AFTER})

#: ``page`` (from 1) and ``per_page`` (1 to 100), as :func:`lms.apikit.page_args` reads them.
PAGE_PARAMS = [
    {"name": "page", "in": "query", "required": False, "description": "From 1",
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}},
    {"name": "per_page", "in": "query", "required": False, "description": "1 to 100",
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 20}},
]


def operation(summary: str, *, auth: bool | str | None = True, body: dict | None = None,
              responses: dict[int, str | dict] | None = None, params: list[dict] | None = None,
              returns: dict | None = None, paged: bool = False, limited: bool = False,
              creates: str | None = None, optional_body: bool = False) -> dict:
    """A compact way for API modules to describe one operation.

    ``responses`` maps statuses to a description (a JSON ``returns`` body for
    2xx, no body for 204, problem+json for errors) or a full response object
    (:func:`file_response`, :func:`redirect`, ...). ``auth=False``: anyone (a
    token sent all the same must be valid: 401 otherwise, as everywhere under
    ``/api/v1``); ``auth="optional"``: anyone, and a token may show more;
    ``auth=None``: outside the API's authentication altogether. ``paged``: the
    ``page``/``per_page`` parameters. ``limited``: rate-limited (429).
    ``creates="course_id"`` (or ``"media_id=media_id"``, naming the body field
    when it is not ``id``): the answer names a new object, and the document links
    it to every operation whose path takes that parameter. ``optional_body``: the
    operation works without a body too (its fields all have defaults).
    """
    op: dict[str, Any] = {"summary": summary, "responses": {}}
    for status, answer in (responses or {200: "OK"}).items():
        op["responses"][str(status)] = _response(status, answer, returns)
    if auth:
        op["security"] = [{"bearer": []}] if auth is True else [{}, {"bearer": []}]
    if auth is not None:
        op["responses"].setdefault("401", problem(
            "No valid access token" if auth is True else "The access token sent is not valid",
            **{"WWW-Authenticate": {"required": True, "schema": {"type": "string"}}}))
    if body is not None:
        op["requestBody"] = {"required": not optional_body,
                             "content": {"application/json": {"schema": body}}}
        _add_errors(op, JSON_BODY_PROBLEMS)
    parameters = [*(PAGE_PARAMS if paged else []), *(params or [])]
    if paged:
        _add_errors(op, {400: "page is not from 1, or per_page not from 1 to 100"})
    if limited:
        op["responses"].setdefault("429", RATE_LIMITED)
    if parameters:
        op["parameters"] = parameters
    if creates:
        op[CREATES] = creates
    return op


def _response(status: int, answer: str | dict, returns: dict | None) -> dict:
    if isinstance(answer, dict):
        return answer
    if status >= 400:
        return problem(answer)
    if status == 204:
        return no_content(answer)
    return json_response(answer, returns)


def _add_errors(op: dict, errors: dict[int, str]) -> None:
    for status, description in errors.items():
        op["responses"].setdefault(str(status), problem(description))


def obj(*, closed: bool = False, **properties: str | dict) -> dict:
    """A JSON object schema from ``name="type"`` (or ``name={schema}``) pairs.

    A ``?`` suffix on the type (or ``"optional": True`` in a schema) marks the
    property optional; ``closed`` refuses properties not listed, as the app does.
    """
    props, required = {}, []
    for name, kind in properties.items():
        if isinstance(kind, dict):
            schema = {key: value for key, value in kind.items() if key != "optional"}
            optional = kind.get("optional", False)
        else:
            optional = kind.endswith("?")
            schema = {"type": kind.rstrip("?")}
        props[name] = schema
        if not optional:
            required.append(name)
    schema = {"type": "object", "properties": props, "required": required}
    return schema | {"additionalProperties": False} if closed else schema


def text(max_length: int | None = None, *, required: bool = False, optional: bool = False,
         **extra) -> dict:
    """A string; ``required`` text must hold more than white space (it is stripped)."""
    schema: dict[str, Any] = {"type": "string"}
    if max_length is not None:
        schema["maxLength"] = max_length
    if required:
        schema["pattern"] = r"\S"
    return schema | extra | ({"optional": True} if optional else {})


def integer(minimum: int | None = None, maximum: int | None = None, *, optional: bool = False,
            null: bool = False, **extra) -> dict:
    schema: dict[str, Any] = {"type": ["integer", "null"] if null else "integer"} | extra
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    return schema | ({"optional": True} if optional else {})


def identifier(*, optional: bool = False, null: bool = False) -> dict:
    """An id of a row (a positive whole number the database can hold)."""
    return integer(1, MAX_DATABASE_ID, optional=optional, null=null)


def query(name: str, kind: str | dict = "string", description: str = "") -> dict:
    schema = kind if isinstance(kind, dict) else {"type": kind}
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


def date_query(name: str, description: str) -> dict:
    """A YYYY-MM-DD date, or empty for none."""
    return query(name, {"anyOf": [{"type": "string", "format": "date"},
                                  {"type": "string", "maxLength": 0}]}, description)


def enum_query(name: str, options: list[str] | tuple[str, ...], description: str = "") -> dict:
    return query(name, {"type": "string", "enum": list(options)}, description)


#: Timestamps and dates in response bodies.
TIMESTAMP = {"type": "string", "format": "date-time"}
DATE = {"type": "string", "format": "date"}

PROBLEM_OBJECT = {
    "type": "object", "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {"type": "object", "description": "Messages by field",
                   "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
}

OPENAPI = {
    "/openapi.json": {"get": operation(
        "This OpenAPI document", auth=None, responses={200: "The document"},
        returns=obj(openapi={"type": "string", "pattern": "^3\\.1\\."}, info="object",
                    paths="object", components="object"))},
}


#: Marks (in this module only) an operation that creates objects; becomes OpenAPI links.
CREATES = "x-creates"
API_PREFIX = "/api/v1"
RULE_PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def openapi_path(rule: str) -> str:
    """``/api/v1/members/<int:member_id>/roles`` → ``/members/{member_id}/roles``."""
    return RULE_PARAM.sub(r"{\2}", rule.removeprefix(API_PREFIX))


def route_parameter_types() -> dict[str, dict[str, dict]]:
    """For each API path, the schema of each path parameter, from the Flask converters."""
    kinds = {"int": {"type": "integer", "minimum": 0, "maximum": MAX_DATABASE_ID},
             "float": {"type": "number"}}
    types: dict[str, dict[str, dict]] = {}
    for rule in current_app.url_map.iter_rules():
        if rule.rule.startswith(API_PREFIX + "/"):
            found = RULE_PARAM.findall(rule.rule)
            types[openapi_path(rule.rule)] = {
                name: kinds.get(conv, {"type": "string", "pattern": "^[^/]+$"})
                for conv, name in found}
    return types


def with_path_parameters(path: str, op: dict, types: dict[str, dict]) -> dict:
    """Declare the path's ``{name}`` parameters on ``op`` (and its 404) unless already done."""
    names = re.findall(r"{(\w+)}", path)
    if not names:
        return op
    declared = {(p.get("name"), p.get("in")) for p in op.get("parameters", [])}
    missing = [{"name": name, "in": "path", "required": True,
                "schema": types.get(name, {"type": "string"})}
               for name in names if (name, "path") not in declared]
    responses = {"404": problem("No such object (or not visible to you)")} | op["responses"]
    return op | {"parameters": [*missing, *op.get("parameters", [])], "responses": responses}


def with_links(paths: dict[str, dict]) -> None:
    """Link each creating operation's success answers to the operations using what it made."""
    for item in paths.values():
        for method, op in list(item.items()):
            creates = op.get(CREATES)
            if not creates:
                continue
            param, _, field = creates.partition("=")
            links = {_link_name(target, verb): {
                "operationRef": "#/paths/" + target.replace("~", "~0").replace("/", "~1")
                                + f"/{verb}",
                "parameters": {param: f"$response.body#/{field or 'id'}"}}
                for target, targets in paths.items() if f"{{{param}}}" in target
                for verb in targets}
            responses = {status: response | {"links": links}
                         if status.startswith("2") and "content" in response else response
                         for status, response in op["responses"].items()}
            item[method] = {k: v for k, v in op.items() if k != CREATES} | {
                "responses": responses}


def _link_name(path: str, method: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", f"{method}{path}").strip("_")


#: Text :func:`lms.text.unstorable` accepts: no control character but tab and line breaks.
STORABLE = {"pattern": f"^[^{CONTROL_CHARACTERS}]*$"}
#: Any JSON value whose texts (values and field names) can all be stored.
STORABLE_VALUE = {"anyOf": [
    {"type": "string"} | STORABLE, {"type": ["number", "boolean", "null"]},
    {"type": "array", "items": ref("StorableValue")},
    {"type": "object", "propertyNames": STORABLE, "additionalProperties": ref("StorableValue")},
]}


ADDRESS_PROBLEM = "A query or path value holds a control character"


def storable(schema: Any) -> Any:
    """``schema`` of something sent, stating what :mod:`lms.jsonbody` and the address check
    refuse in any text: a control character in a string or a field name (422, or 400 in
    the address). Fields not listed may hold any such value."""
    if not isinstance(schema, dict) or "$ref" in schema:
        return schema
    schema = {key: [storable(part) for part in value] if key in ("anyOf", "oneOf", "allOf")
              else storable(value) if key in ("items", "not") else value
              for key, value in schema.items()}
    kinds = schema.get("type", [])
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if not kinds and not {"anyOf", "oneOf", "allOf", "enum", "const", "properties",
                          "items"} & set(schema):
        return schema | ref("StorableValue")  # any value
    if "string" in kinds and not {"enum", "const", "format"} & set(schema):
        schema = (schema | {"allOf": [*schema.get("allOf", []), STORABLE]} if "pattern" in schema
                  else schema | STORABLE)
    if "object" in kinds or "properties" in schema:
        schema["properties"] = {name: storable(value)
                                for name, value in schema.get("properties", {}).items()}
        schema["propertyNames"] = STORABLE
        extra = schema.get("additionalProperties", True)
        schema["additionalProperties"] = (ref("StorableValue") if extra is True
                                          else storable(extra))
    return schema


def with_storable_input(op: dict) -> dict:
    """``op`` with :func:`storable` applied to its JSON body and its query and path values."""
    op = dict(op)
    sent = [parameter for parameter in op.get("parameters", [])
            if parameter.get("in") in ("query", "path")]
    if sent:
        op["parameters"] = [parameter | {"schema": storable(parameter["schema"])}
                            if parameter in sent else parameter
                            for parameter in op["parameters"]]
    if any(parameter["schema"] != storable(parameter["schema"]) for parameter in sent):
        op["responses"] = {"400": problem(ADDRESS_PROBLEM)} | op["responses"]
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        json_body = content["application/json"]
        op["requestBody"] = op["requestBody"] | {"content": content | {
            "application/json": json_body | {"schema": storable(json_body["schema"])}}}
    return op


def build_document() -> dict:
    paths: dict[str, dict] = {}
    schemas: dict[str, dict] = {"Problem": PROBLEM_OBJECT, "StorableValue": STORABLE_VALUE}
    types = route_parameter_types()
    for blueprint in current_app.blueprints.values():
        module = sys.modules.get(blueprint.import_name)
        schemas.update(getattr(module, "SCHEMAS", {}))
        for path, operations in getattr(module, "OPENAPI", {}).items():
            described = paths.setdefault(path, {})
            for method, op in operations.items():
                described[method] = with_storable_input(
                    with_path_parameters(path, op, types.get(path, {})))
    with_links(paths)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Core Learning API", "version": "1.0.0",
                 "description": units.CE_HOURS_EXPLAINED},
        "servers": [{"url": "/api/v1"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": dict(sorted(schemas.items())),
        },
    }


@bp.get("/api/v1/openapi.json")
def openapi_document():
    return jsonify(build_document())
