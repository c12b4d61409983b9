"""The one JSON parser: bounded depth and size, strict JSON, refusals as problem+json.

Every operation is covered by ``tests/test_openapi_inputs.py``; here are the
parser's edges, the form-encoded progress beacon, and uploads, which are not JSON.
"""

from __future__ import annotations

import json

import pytest

from lms.jsonbody import MAX_DEPTH, nesting_depth
from tests.factories import api_headers, enrol, make_course, make_item, make_module, make_user
from tests.media.uploads import pdf_bytes, simple_upload


def post_tokens(client, data: bytes | str, content_type: str = "application/json"):
    return client.post("/api/v1/tokens", data=data, content_type=content_type)


def nested(depth: int) -> str:
    """An object whose ``email`` holds lists nested so the whole body is ``depth`` deep."""
    return '{"email": ' + "[" * (depth - 1) + "]" * (depth - 1) + ', "password": "x"}'


def test_deep_nesting_without_logging_in_is_a_400(client, app_ctx):
    response = post_tokens(client, "[" * 5000 + "]" * 5000)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert f"more than {MAX_DEPTH} levels" in response.get_json()["detail"]


def test_depth_is_bounded_exactly(client, app_ctx):
    at_limit = post_tokens(client, nested(MAX_DEPTH))
    assert at_limit.status_code == 422  # parsed: the handler says email must be text
    assert post_tokens(client, nested(MAX_DEPTH + 1)).status_code == 400


@pytest.mark.parametrize("text, depth", [
    ('{"a": "[[[[[[["}', 1), ('["]]]", [["\\"[["]]]', 3), ("[]", 1), ("3", 0),
    ('{"a": [{"b": {}}]}', 4),
])
def test_brackets_inside_strings_do_not_count(text, depth):
    assert nesting_depth(text.encode()) == depth


@pytest.mark.parametrize("body", [b'{"email": NaN}', b'{"email": Infinity}', b'{"email": 1e400}',
                                  b'{"email": "a"', b"\xff\xfe{}", b"", b"{'email': 1}"])
def test_what_is_not_strict_json_is_a_400(client, app_ctx, body):
    response = post_tokens(client, body)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_a_utf8_byte_order_mark_is_allowed(client, app_ctx):
    body = "\ufeff" + json.dumps({"email": "nobody@example.org", "password": "x"})
    assert post_tokens(client, body.encode()).status_code == 401


def test_bodies_over_the_limit_are_413_before_being_read(client, app, app_ctx):
    limit = app.config["MAX_JSON_BYTES"]
    body = json.dumps({"email": "a" * limit, "password": "x"})
    response = post_tokens(client, body)
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_a_non_json_content_type_is_a_400(client, app_ctx):
    response = post_tokens(client, b'{"email": "a", "password": "b"}', "text/plain")
    assert response.status_code == 400
    assert "Content-Type: application/json" in response.get_json()["detail"]


@pytest.fixture
def reading(app_ctx):
    member = make_user()
    course = make_course()
    item = make_item(make_module(course))
    enrol(member, course)
    return api_headers(member), item


@pytest.mark.parametrize("report, status", [
    ("[" * 5000 + "]" * 5000, 400), ('{"completed": NaN}', 400), ("not json", 400),
    ('{"completed": true, "note": "\\ud800"}', 422), ("[]", 400),
])
def test_the_beacon_report_goes_through_the_same_parser(client, reading, report, status):
    headers, item = reading
    response = client.post(f"/api/v1/items/{item.id}/progress", headers=headers,
                           data={"report": report})
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"


def test_uploads_are_not_bound_by_the_json_limit(make_app):
    """A small JSON limit still lets a larger file through the multipart upload."""
    from lms.extensions import db

    app = make_app(MAX_JSON_BYTES=1000)
    with app.app_context():
        db.create_all()
        headers = api_headers(make_user(role="instructor"))
        client = app.test_client()
        too_big = client.post("/api/v1/tokens", json={"email": "a" * 1000, "password": "x"})
        response = simple_upload(client, headers, pdf_bytes(5000), "big.pdf", "application/pdf")
    assert too_big.status_code == 413
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["size"] == 5000


@pytest.mark.parametrize("body", [
    b'"' + b'\\"' * 1_000_000, b'"' * 2_000_000, b"[" + b'"\\\\", ' * 500_000 + b"]",
    b'["' + b"\\" * 2_000_000,
], ids=["escaped quotes", "quotes", "backslashes", "unterminated"])
def test_counting_the_depth_stays_linear_on_hostile_quoting(client, app_ctx, body):
    """A backtracking string pattern took 15 s on 40 kB of ``\\"``; these are 2 MB."""
    import time

    started = time.monotonic()
    response = post_tokens(client, body)
    assert response.status_code == 400
    assert time.monotonic() - started < 3


def test_a_chunked_body_without_a_length_is_bounded_too(client, app, app_ctx):
    import io

    body = b'{"email": "' + b"a" * app.config["MAX_JSON_BYTES"] + b'", "password": "x"}'
    response = client.post("/api/v1/tokens", input_stream=io.BytesIO(body),
                           content_type="application/json",
                           environ_overrides={"wsgi.input_terminated": True,
                                              "CONTENT_LENGTH": "",
                                              "HTTP_TRANSFER_ENCODING": "chunked"})
    assert response.request.content_length is None
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def quiz_integer_fields() -> list[str]:
    """The whole-number fields of a quiz's settings, as the OpenAPI document lists them."""
    from lms.quizzes.api import SETTINGS

    return [name for name, schema in SETTINGS["properties"].items()
            if "integer" in str(schema.get("type"))]


@pytest.mark.parametrize("field", quiz_integer_fields())
def test_whole_numbers_written_with_a_fraction_are_integers(client, app_ctx, field):
    """JSON has one number type: ``3.0`` where a whole number is asked for is 3, not a 422."""
    instructor = make_user(role="instructor")
    quiz = make_item(make_module(make_course(instructors=[instructor])), kind="quiz", body="")
    response = client.patch(f"/api/v1/items/{quiz.id}/quiz", headers=api_headers(instructor),
                            data=f'{{"{field}": 3.0}}', content_type="application/json")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()[field] == 3
    assert isinstance(response.get_json()[field], int)
    assert client.patch(f"/api/v1/items/{quiz.id}/quiz", headers=api_headers(instructor),
                        json={field: 3.5}).status_code == 422
