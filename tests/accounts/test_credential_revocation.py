"""Every way a password changes, and staff deactivating a member, ends that member's
sessions and revokes their API tokens (SECURITY.md, sessions and secrets): a stolen
token or cookie must not outlive the owner changing their password.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from lms.extensions import db
from tests.factories import PASSWORD, Auth, api_headers, csrf_from, make_user

NEW_PASSWORD = "a brand new passphrase"


def change_through_api(app, user, _mail) -> None:
    headers = api_headers(user)
    response = app.test_client().patch("/api/v1/me", headers=headers, json={
        "current_password": PASSWORD, "password": NEW_PASSWORD})
    assert response.status_code == 200, response.json


def change_on_profile_page(app, user, _mail) -> None:
    auth = Auth(app.test_client())
    auth.login(user.email)
    response = auth.post("/profile/password", {"current_password": PASSWORD,
                                               "password": NEW_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert auth.client.get("/profile").status_code == 200  # this device stays logged in


def reset_by_mail(app, user, mail_server) -> None:
    client = app.test_client()
    csrf = csrf_from(client.get("/reset").get_data(as_text=True))
    client.post("/reset", data={"email": user.email, "csrf_token": csrf}).close()
    (message,) = mail_server.to(user.email)
    path = urlsplit(re.search(r"https?://\S+/reset/\S+", message.get_content()).group(0)).path
    csrf = csrf_from(client.get(path).get_data(as_text=True))
    response = client.post(path, data={"password": NEW_PASSWORD, "csrf_token": csrf})
    assert response.status_code == 302


def deactivated_by_staff(app, user, _mail=None) -> None:
    auth = Auth(app.test_client())
    auth.login(make_user(role="admin").email)
    response = auth.post(f"/admin/members/{user.id}", {"extra_time_percent": "0"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert not user.is_active


#: Every path that changes a member's password or takes their access away.
CHANGES = {"api-patch-me": change_through_api, "profile-page": change_on_profile_page,
           "password-reset": reset_by_mail, "staff-deactivation": deactivated_by_staff}


@pytest.mark.parametrize("change", CHANGES)
def test_old_tokens_and_sessions_stop_working(app, app_ctx, mail_server, change):
    user = make_user()
    old_tokens = [api_headers(user), api_headers(user)]
    elsewhere = Auth(app.test_client())  # a browser on another device
    elsewhere.login(user.email)
    assert elsewhere.client.get("/profile").status_code == 200
    CHANGES[change](app, user, mail_server)
    probe = app.test_client()
    for headers in old_tokens:
        response = probe.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
    assert elsewhere.client.get("/profile").status_code == 302  # sent to log in


def test_a_reactivated_member_gets_no_old_token_back(app, auth, app_ctx):
    user = make_user()
    headers = api_headers(user)
    deactivated_by_staff(app, user)
    auth.login(make_user(role="admin").email)
    reactivated = auth.post(f"/admin/members/{user.id}",
                            {"is_active": "y", "extra_time_percent": "0"})
    assert reactivated.status_code == 302
    assert auth.client.get("/api/v1/me", headers=headers).status_code == 401
    fresh = app.test_client().post("/api/v1/tokens", json={"email": user.email,
                                                           "password": PASSWORD})
    assert fresh.status_code == 201  # the member can make a new one


@pytest.mark.parametrize("body", [
    {"current_password": "not my password", "password": NEW_PASSWORD},
    {"current_password": PASSWORD, "password": "short"},
])
def test_a_refused_change_revokes_nothing(client, app_ctx, body):
    user = make_user()
    headers = api_headers(user)
    assert client.patch("/api/v1/me", headers=headers, json=body).status_code == 422
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_changing_only_the_name_keeps_tokens(client, app_ctx):
    user = make_user()
    headers = api_headers(user)
    assert client.patch("/api/v1/me", headers=headers, json={"name": "Ada"}).status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 200
