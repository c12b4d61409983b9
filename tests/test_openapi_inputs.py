"""Hostile input to every write operation of the OpenAPI document: never a 5xx.

Everything is derived from ``GET /api/v1/openapi.json``: each POST, PUT and PATCH
is called as a caller allowed to use it (the role matrix of
``tests/test_route_matrix.py``) on real objects of a seeded world (operations that
end something, like archive or revoke, last; items of every kind). Each
gets whole bodies that are not acceptable (10,000-deep nesting, 10 MB, invalid
UTF-8, a lone surrogate, non-objects), and each property of its JSON body schema
gets wrong values (lone surrogates, NUL, a right-to-left override, numbers as
strings and strings as numbers, null, lists and objects where scalars belong).
Every answer must be a 2xx or a problem+json 4xx; bodies the parser refuses
must change nothing. An operation that cannot be called this way (no role, an
id that cannot be filled, the caller refused) fails the test, so a new endpoint
is covered as soon as it is documented.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from lms.extensions import db, limiter
from lms.openapi import API_PREFIX, openapi_path
from tests.factories import csrf_from
from tests.security_world import World, changed_tables, seed, snapshot
from tests.test_route_matrix import (
    ACCESS,
    ADMIN,
    AUTHOR,
    DESTRUCTIVE_WORDS,
    INSTRUCTOR,
    LEARNER,
    MEMBER,
    OWNER,
    OWNER_ROLE,
    PUBLIC,
    Call,
    fill,
)

WRITE_METHODS = ("post", "put", "patch")
ROLE_FOR = {PUBLIC: "anonymous", MEMBER: "member", LEARNER: "enrolled", OWNER: "enrolled",
            INSTRUCTOR: "instructor", AUTHOR: "instructor", ADMIN: "admin"}

DEEP = "[" * 10_000 + "]" * 10_000
#: Whole bodies no JSON operation accepts: (name, bytes, content type, statuses allowed).
BAD_BODIES: list[tuple[str, bytes, str, tuple[int, ...]]] = [
    ("nested 10,000 deep", DEEP.encode(), "application/json", (400,)),
    ("nested 10,000 deep objects", ('{"a":' * 10_000 + "1" + "}" * 10_000).encode(),
     "application/json", (400,)),
    ("10 MB", json.dumps({"title": "x" * 10 * 1024**2}).encode(), "application/json", (413,)),
    ("10 MB of numbers", b"[" + b"1," * (5 * 1024**2) + b"1]", "application/json", (413,)),
    ("not UTF-8", b'{"title": "\xff\xfe"}', "application/json", (400,)),
    ("truncated", b'{"title": "a', "application/json", (400,)),
    ("NaN", b'{"title": NaN}', "application/json", (400,)),
    ("a lone surrogate", b'"\\ud800"', "application/json", (400, 422)),
    ("a list", b"[]", "application/json", (400,)),
    ("a number", b"12", "application/json", (400,)),
    ("null", b"null", "application/json", (400,)),
    ("form-encoded", b"title=x", "application/x-www-form-urlencoded", (400, 415)),
]

TEXT_ATTACKS: list[Any] = ["a\ud800b", "\udfff", "a\x00b", "a\x07b", "\u202eRTL\u202c name"]
WRONG_TYPES: dict[str, list[Any]] = {
    "string": [12, 1.5, True, None, [], {}, ["a"]],
    "integer": ["12", "twelve", 1.5, -1, 2**63, 10**20, True, None, [], {}],
    "number": ["1.5", "x", -1, 2**63, True, None, [], {}],
    "boolean": ["true", 1, 0, None, [], {}],
    "array": ["a", 1, None, {}, [None], ["a\ud800"], [[1, [2]]], [{"k": "a\x00"}], [2**63]],
    "object": ["a", 1, None, [], {"1": "a\ud800"}, {"1": None}, {"1": {"2": [3]}}],
    "null": ["a", 1, []],
}


@dataclass
class Operation:
    method: str
    path: str
    rule: Rule
    body: dict | None  # the JSON body schema, None when the operation takes no JSON
    auth: bool

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def resolve(schema: Any, document: dict) -> dict:
    """The schema with ``$ref`` followed (local references only)."""
    while isinstance(schema, dict) and "$ref" in schema:
        target: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = target
    return schema if isinstance(schema, dict) else {}


def properties(schema: dict, document: dict) -> dict[str, dict]:
    """Every property a body may have, across ``allOf``/``anyOf``/``oneOf`` branches."""
    schema = resolve(schema, document)
    found = {name: resolve(prop, document)
             for name, prop in schema.get("properties", {}).items()}
    for key in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(key, []):
            found.update(properties(branch, document))
    return found


def kinds(schema: dict) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, list):
        return kind
    if kind:
        return [kind]
    if "enum" in schema:
        return sorted({type_name(value) for value in schema["enum"]})
    return ["string", "integer", "boolean", "array", "object"]


def type_name(value: Any) -> str:
    names = {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null",
             list: "array", dict: "object"}
    return names[type(value)]


def plausible(schema: dict) -> Any:
    """A value of the right type, for the properties not under attack."""
    if "enum" in schema:
        return schema["enum"][0]
    examples = {"string": "Text", "integer": 1, "number": 1.5, "boolean": True, "array": [],
                "object": {}, "null": None}
    return examples[kinds(schema)[0]]


def attacks(schema: dict) -> list[Any]:
    return [*TEXT_ATTACKS, *(value for kind in kinds(schema) for value in WRONG_TYPES[kind])]


def operations(app, document: dict) -> list[Operation]:
    rules = {(method.lower(), openapi_path(rule.rule)): rule
             for rule in app.url_map.iter_rules() if rule.rule.startswith(API_PREFIX + "/")
             for method in rule.methods}
    found = []
    for path, item in document["paths"].items():
        for method in WRITE_METHODS:
            if method not in item:
                continue
            op = item[method]
            content = op.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema")
            found.append(Operation(method, path, rules[(method, path)],
                                   resolve(body, document) if body is not None else None,
                                   bool(op.get("security"))))
    return sorted(found, key=destructive)


def destructive(op: Operation) -> bool:
    """Operations that end what others need (archive, revoke, ...) run last, on one world."""
    return any(word in op.rule.endpoint for word in DESTRUCTIVE_WORDS)


class Caller:
    """Requests as one role of a world: Bearer token, or nothing for anonymous."""

    def __init__(self, client, world: World, role: str) -> None:
        self.client, self.world, self.role = client, world, role

    def send(self, op: Operation, url: str, data: bytes, content_type: str):
        """The response; an exception the app let through (tests propagate them) as a 500.

        Rate limits are reset first: each request must reach the checks it is aimed at.
        """
        limiter.reset()
        db.session.commit()
        try:
            response = self.client.open(url, method=op.method.upper(), data=data,
                                         content_type=content_type,
                                         headers=self.world.headers[self.role])
        except Exception as exc:
            db.session.rollback()
            return Response(f"{type(exc).__name__}: {exc}", status=500)
        response.close()
        return response


def role_for(op: Operation) -> str:
    access = ACCESS[op.rule.endpoint]
    if access == OWNER:
        return OWNER_ROLE.get(op.rule.endpoint.split(".")[0], "enrolled")
    return ROLE_FOR[access]


@pytest.fixture
def world(app_ctx, client) -> World:
    world = seed(client)
    world.ids["member_id"] = world.users["other_instructor"].id
    return world


def answer_problems(response) -> list[str]:
    status = response.status_code
    if status >= 500:
        return [f"{status} server error: {response.get_data(as_text=True)[:300]}"]
    if status >= 400 and response.mimetype != "application/problem+json":
        return [f"{status} answered {response.mimetype}, not problem+json"]
    if not 200 <= status < 500:
        return [f"answered {status}"]
    return []


def exercised(op: Operation, caller: Caller, url: str, document: dict) -> list[str]:
    """A plausible body must reach the handler: the caller is neither refused nor lost."""
    body = {name: plausible(schema) for name, schema in properties(op.body or {}, document).items()
            if name in (op.body or {}).get("required", [])}
    response = caller.send(op, url, json.dumps(body).encode(), "application/json")
    refused = {403, 404, 405} | ({401} if op.auth else set())
    if response.status_code in refused:
        return [f"cannot be exercised: a plausible body as {caller.role} got "
                f"{response.status_code} {response.get_data(as_text=True)[:200]}"]
    return answer_problems(response)


@pytest.fixture
def document(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()


#: Items of every kind in the seeded world: an operation on "an item" is tried on each.
ITEM_KINDS = ("reading", "video", "file", "quiz")


def prepare(client, world: World, op: Operation) -> tuple[Caller, list[str]]:
    """A caller allowed to use ``op``, and its URLs (one per item kind for item routes)."""
    if op.rule.endpoint not in ACCESS:
        pytest.fail(f"{op}: classify {op.rule.endpoint} in tests/test_route_matrix.py ACCESS")
    caller = Caller(client, world, role_for(op))
    call = Call(op.rule, op.method.upper())
    try:
        fill(call, world)
    except KeyError as exc:
        pytest.fail(f"{op}: no real value for the path parameter {exc}: seed one in "
                    "tests/security_world.py and name it in tests/test_route_matrix.py _value")
    if "item_id" not in op.rule.arguments or "quiz" in f"{op.rule.rule} {op.rule.endpoint}":
        return caller, [fill(call, world)]
    return caller, [fill(call, World(world.users, world.headers,
                                     world.ids | {"video": world.ids[kind]}))
                    for kind in ITEM_KINDS]


def test_every_write_operation_can_be_exercised(app, client, world, document) -> None:
    problems = []
    for op in operations(app, document):
        caller, urls = prepare(client, world, op)
        for url in urls:
            problems += [f"{op} -> {url}: {p}" for p in exercised(op, caller, url, document)]
    assert not problems, "\n".join(problems)


def test_unacceptable_whole_bodies_are_refused_and_change_nothing(app, client, world,
                                                                  document) -> None:
    problems = []
    for op in operations(app, document):
        caller, urls = prepare(client, world, op)
        before = snapshot()
        for name, data, content_type, expected in BAD_BODIES:
            response = caller.send(op, urls[0], data, content_type)
            found = answer_problems(response)
            if op.body is not None and response.status_code not in expected:
                found.append(f"answered {response.status_code}, expected {expected}")
            problems += [f"{op} with {name}: {p}" for p in found]
        if op.body is not None and (changes := changed_tables(before, snapshot())):
            problems.append(f"{op}: refused bodies changed {sorted(changes)}")
    assert not problems, "\n".join(problems)


def test_every_property_survives_hostile_values(app, client, world, document) -> None:
    problems = []
    for op in operations(app, document):
        if op.body is None:
            continue
        caller, urls = prepare(client, world, op)
        props = properties(op.body, document)
        base = {name: plausible(schema) for name, schema in props.items()
                if name in op.body.get("required", [])}
        for url in urls:
            for name, schema in props.items():
                for value in attacks(schema):
                    data = json.dumps(base | {name: value}).encode()
                    response = caller.send(op, url, data, "application/json")
                    problems += [f"{op} -> {url} {name}={value!r}: {problem}"
                                 for problem in answer_problems(response)]
    assert not problems, "\n".join(problems)


def test_html_forms_are_not_json_endpoints(app, client, world) -> None:
    """A JSON body posted to a page's form never reaches a 500 either."""
    from tests.factories import Auth

    Auth(client).login(world.users["instructor"].email)
    token = csrf_from(client.get("/").get_data(as_text=True))
    for data in (DEEP, "[1]", '"\\ud800"', '{"title": "a\\u0000"}'):
        response = client.post("/studio/courses/new", data=data, content_type="application/json",
                               headers={"X-CSRFToken": token})
        assert response.status_code in (400, 422), (data[:20], response.status_code)


@pytest.mark.parametrize("bad", ["a\ud800b", "a\x00b", "a\x1bb"], ids=["surrogate", "NUL", "ESC"])
def test_unstorable_text_in_any_string_property_is_a_field_error(app, client, world, document,
                                                                 bad) -> None:
    """422 naming the field, nothing changed: the same on SQLite and PostgreSQL."""
    problems = []
    for op in operations(app, document):
        if op.body is None:
            continue
        caller, urls = prepare(client, world, op)
        props = properties(op.body, document)
        base = {name: plausible(schema) for name, schema in props.items()
                if name in op.body.get("required", [])}
        before = snapshot()
        for name in (name for name, schema in props.items() if "string" in kinds(schema)):
            response = caller.send(op, urls[0], json.dumps(base | {name: bad}).encode(),
                                   "application/json")
            errors = (response.get_json(silent=True) or {}).get("errors", {})
            if response.status_code != 422 or name not in errors:
                problems.append(f"{op} {name}: {response.status_code} {errors}")
        if changes := changed_tables(before, snapshot()):
            problems.append(f"{op}: refused text changed {sorted(changes)}")
    assert not problems, "\n".join(problems)
