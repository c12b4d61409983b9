"""Staff register LTI platforms (API and page); the tool's key is published as a JWKS."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.standards import lti_keys
from lms.standards.models import LtiPlatform
from tests.factories import Auth, api_headers, csrf_from, make_user

BODY = {"issuer": "https://canvas.example.edu", "client_id": "10000000000042",
        "deployment_id": "7:abc",
        "auth_login_url": "https://sso.canvas.example.edu/api/lti/authorize_redirect",
        "auth_token_url": "https://sso.canvas.example.edu/login/oauth2/token",
        "key_set_url": "https://sso.canvas.example.edu/api/lti/security/jwks"}


def _count() -> int:
    return db.session.scalar(select(func.count(LtiPlatform.id)))


def test_staff_register_a_platform_and_learn_the_tool_urls(client, app_ctx) -> None:
    response = client.post("/api/v1/lti/platforms", json=BODY,
                           headers=api_headers(make_user(role="admin")))
    assert response.status_code == 201
    body = response.get_json()
    assert {name: body[name] for name in BODY} == BODY
    assert body["tool"] == {"login_url": "http://127.0.0.1:5000/lti/login",
                            "launch_url": "http://127.0.0.1:5000/lti/launch",
                            "jwks_url": "http://127.0.0.1:5000/lti/jwks.json"}
    assert _count() == 1


@pytest.mark.parametrize(("field", "value"), [
    ("key_set_url", "ftp://sso.canvas.example.edu/jwks"),
    ("auth_login_url", "http://canvas.example.edu/authorize"),  # http only on this machine
    ("auth_token_url", "not a url"),
    ("issuer", "canvas"),
    ("client_id", ""),
    ("deployment_id", None),
    ("key_set_url", "https://" + "a" * 500 + ".example"),
])
def test_a_bad_or_missing_field_is_named_and_nothing_is_stored(client, app_ctx, field,
                                                                value) -> None:
    body = {**BODY, field: value} if value is not None else {
        name: v for name, v in BODY.items() if name != field}
    response = client.post("/api/v1/lti/platforms", json=body,
                           headers=api_headers(make_user(role="admin")))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert list(response.get_json()["errors"]) == [field]
    assert _count() == 0


def test_http_urls_on_this_machine_are_accepted(client, app_ctx) -> None:
    body = BODY | {"key_set_url": "http://127.0.0.1:8123/jwks",
                   "auth_login_url": "http://localhost:8123/auth"}
    response = client.post("/api/v1/lti/platforms", json=body,
                           headers=api_headers(make_user(role="admin")))
    assert response.status_code == 201


def test_a_platform_is_registered_once(client, app_ctx) -> None:
    headers = api_headers(make_user(role="admin"))
    assert client.post("/api/v1/lti/platforms", json=BODY, headers=headers).status_code == 201
    again = client.post("/api/v1/lti/platforms", json=BODY | {"deployment_id": "other"},
                        headers=headers)
    assert again.status_code == 409
    assert _count() == 1
    other_client = BODY | {"client_id": "20000000000001"}
    assert client.post("/api/v1/lti/platforms", json=other_client,
                       headers=headers).status_code == 201


@pytest.mark.parametrize("role", ["member", "instructor"])
def test_only_staff_register_platforms(client, app_ctx, role) -> None:
    response = client.post("/api/v1/lti/platforms", json=BODY,
                           headers=api_headers(make_user(role=role)))
    assert response.status_code == 403
    assert client.post("/api/v1/lti/platforms", json=BODY).status_code == 401
    assert _count() == 0


def test_the_staff_page_lists_platforms_and_registers_one(client, app_ctx) -> None:
    admin = make_user(role="admin")
    Auth(client).login(admin.email)
    members_page = client.get("/admin/members").get_data(as_text=True)
    assert 'href="/admin/lti"' in members_page
    page = client.get("/admin/lti")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "http://127.0.0.1:5000/lti/jwks.json" in html
    form = {"csrf_token": csrf_from(html), **BODY, "key_set_url": "http://evil.example/jwks"}
    refused = client.post("/admin/lti", data=form)
    assert refused.status_code == 422 and "https://" in refused.get_data(as_text=True)
    assert _count() == 0
    done = client.post("/admin/lti", data=form | {"key_set_url": BODY["key_set_url"]},
                       follow_redirects=True)
    assert "canvas.example.edu" in done.get_data(as_text=True)
    assert _count() == 1


def test_members_cannot_see_the_staff_page(client, app_ctx) -> None:
    Auth(client).login(make_user(role="instructor").email)
    assert client.get("/admin/lti").status_code == 403


def test_the_tool_key_is_published_without_its_private_part(client, app) -> None:
    body = client.get("/lti/jwks.json").get_json()
    (key,) = body["keys"]
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)
    with app.app_context():
        assert key["kid"] == lti_keys.tool_key().kid


def test_production_refuses_to_make_a_key_silently(make_app, tmp_path, runner) -> None:
    production = make_app("production", SECRET_KEY="x" * 32, ALLOW_SQLITE=True,
                          LTI_KEY_FILE=str(tmp_path / "lti.json"))
    assert production.test_client().get("/lti/jwks.json").status_code == 503
    result = production.test_cli_runner().invoke(args=["lms", "lti", "create-key"])
    assert result.exit_code == 0, result.output
    kid = json.loads((tmp_path / "lti.json").read_text())["kid"]
    assert production.test_client().get("/lti/jwks.json").get_json()["keys"][0]["kid"] == kid


def test_a_missing_field_is_called_required(client, app_ctx) -> None:
    body = {name: value for name, value in BODY.items() if name != "client_id"}
    response = client.post("/api/v1/lti/platforms", json=body,
                           headers=api_headers(make_user(role="admin")))
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"client_id": ["This field is required."]}
