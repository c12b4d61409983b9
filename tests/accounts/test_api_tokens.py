"""API tokens, /api/v1/me, and how cookie sessions may (and may not) write to the API."""

from datetime import timedelta

import pytest

from lms.accounts import service, tokens
from lms.accounts.models import ApiToken
from lms.extensions import db, utcnow
from tests.factories import PASSWORD, api_headers, csrf_from, make_user


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response, status: int) -> None:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert {"type", "title", "status", "detail"} <= set(response.json)
    assert response.json["status"] == status


def test_token_from_credentials_authenticates(client, app_ctx):
    make_user(email="ada@example.org", name="Ada")
    created = client.post("/api/v1/tokens", json={"email": "ada@example.org",
                                                  "password": PASSWORD, "name": "CE sync"})
    assert created.status_code == 201
    assert created.json["token"].startswith("lms_") and created.json["expires_at"]
    me = client.get("/api/v1/me", headers=bearer(created.json["token"]))
    assert me.status_code == 200
    assert me.json["email"] == "ada@example.org" and me.json["roles"] == ["member"]
    assert set(me.json) >= {"id", "email", "name", "certificate_name", "roles", "career_stage",
                            "org_type"}


def test_tokens_are_stored_hashed(client, app_ctx):
    headers = api_headers(make_user())
    token = headers["Authorization"].removeprefix("Bearer ")
    stored = db.session.query(ApiToken).one()
    assert token not in stored.token_hash


def test_wrong_credentials_get_401_problem(client, app_ctx):
    make_user(email="ada@example.org")
    response = client.post("/api/v1/tokens", json={"email": "ada@example.org",
                                                   "password": "not the password"})
    assert_problem(response, 401)


def test_expired_token_gets_401_problem(client, app, app_ctx):
    user = make_user()
    days = app.config["API_TOKEN_DAYS"]
    token, _ = tokens.issue_api_token(user, "old", now=utcnow() - timedelta(days=days, minutes=1))
    fresh, _ = tokens.issue_api_token(user, "new", now=utcnow() - timedelta(days=days - 1))
    db.session.commit()
    assert_problem(client.get("/api/v1/me", headers=bearer(token)), 401)
    assert client.get("/api/v1/me", headers=bearer(fresh)).status_code == 200
    assert tokens.user_for_api_token(fresh, now=utcnow() + timedelta(days=1, seconds=1)) is None


def test_revoked_token_gets_401_problem(client, app_ctx):
    user = make_user()
    headers = api_headers(user)
    token_id = db.session.query(ApiToken).one().id
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=headers).status_code == 204
    response = client.get("/api/v1/me", headers=headers)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("header", ["Bearer lms_made_up", "Bearer ", "Basic YWRhOnB3", "lms_x"])
def test_invalid_authorization_gets_401_problem(client, app_ctx, header):
    assert_problem(client.get("/api/v1/me", headers={"Authorization": header}), 401)


def test_no_token_gets_401_problem(client, app_ctx):
    assert_problem(client.get("/api/v1/me"), 401)


def test_token_of_deactivated_member_stops_working(client, app_ctx):
    user = make_user()
    headers = api_headers(user)
    user.is_active = False
    db.session.commit()
    assert_problem(client.get("/api/v1/me", headers=headers), 401)


def test_patch_me_updates_profile_fields(client, app_ctx):
    headers = api_headers(make_user())
    response = client.patch("/api/v1/me", headers=headers, json={
        "name": "Пётр", "certificate_name": "Пётр Ильич", "career_stage": "retired",
        "org_type": "archives_museum"})
    assert response.status_code == 200
    assert (response.json["name"], response.json["certificate_name"]) == ("Пётр", "Пётр Ильич")
    assert (response.json["career_stage"], response.json["org_type"]) == (
        "retired", "archives_museum")


@pytest.mark.parametrize(("body", "field"), [
    ({"career_stage": "astronaut"}, "career_stage"),
    ({"name": ""}, "name"),
    ({"name": 42}, "name"),
    ({"password": "a new long passphrase"}, "current_password"),
    ({"password": "a new long passphrase", "current_password": "wrong"}, "current_password"),
    ({"password": "short", "current_password": PASSWORD}, "password"),
])
def test_patch_me_refuses_bad_fields_and_changes_nothing(client, app_ctx, body, field):
    user = make_user(name="Ada")
    old_hash = user.password_hash
    response = client.patch("/api/v1/me", headers=api_headers(user), json=body)
    assert_problem(response, 422)
    assert field in response.json["errors"]
    db.session.refresh(user)
    assert (user.name, user.password_hash, user.career_stage) == ("Ada", old_hash, None)


def test_patch_me_changes_password_with_the_current_one(client, app_ctx):
    user = make_user()
    response = client.patch("/api/v1/me", headers=api_headers(user), json={
        "password": "a new long passphrase", "current_password": PASSWORD})
    assert response.status_code == 200
    assert service.authenticate(user.email, "a new long passphrase", "127.0.0.1") == user


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", "", '"text"'])
def test_malformed_json_gets_400_problem(client, app_ctx, body):
    user = make_user(name="Ada")
    response = client.patch("/api/v1/me", data=body, content_type="application/json",
                            headers=api_headers(user))
    assert_problem(response, 400)


def test_profile_page_revokes_a_token(auth, app_ctx):
    user = make_user(email="ada@example.org")
    headers = api_headers(user)
    token = db.session.query(ApiToken).one()
    auth.login("ada@example.org")
    assert "Revoke test" in auth.client.get("/profile").get_data(as_text=True)
    response = auth.post(f"/profile/tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert_problem(auth.client.get("/api/v1/me", headers=headers), 401)
    assert "You have no active tokens." in auth.client.get("/profile").get_data(as_text=True)


def test_profile_page_cannot_revoke_someone_elses_token(auth, client, app_ctx):
    other_headers = api_headers(make_user())
    token = db.session.query(ApiToken).one()
    make_user(email="ada@example.org")
    auth.login("ada@example.org")
    assert auth.post(f"/profile/tokens/{token.id}/revoke").status_code == 404
    assert client.get("/api/v1/me", headers=other_headers).status_code == 200


def test_profile_page_creates_a_token_shown_once(auth, app_ctx):
    make_user(email="ada@example.org")
    auth.login("ada@example.org")
    response = auth.post("/profile/tokens", {"name": "Membership system"})
    html = response.get_data(as_text=True)
    token = html.split('id="new-token">')[1].split("<")[0]
    assert response.headers["Cache-Control"] == "no-store"
    assert auth.client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    assert token not in auth.client.get("/profile").get_data(as_text=True)


def test_session_cookie_api_write_needs_the_csrf_header(auth, app_ctx):
    user = make_user(email="ada@example.org", name="Ada")
    auth.login("ada@example.org")
    assert auth.client.get("/api/v1/me").json["id"] == user.id  # reads need no token
    refused = auth.client.patch("/api/v1/me", json={"name": "Changed"})
    assert_problem(refused, 400)
    db.session.refresh(user)
    assert user.name == "Ada"
    token = csrf_from(auth.client.get("/").get_data(as_text=True))
    accepted = auth.client.patch("/api/v1/me", json={"name": "Changed"},
                                 headers={"X-CSRFToken": token})
    assert accepted.status_code == 200
    assert accepted.json["name"] == "Changed"
