"""Single sign-on against a real OpenID Connect provider (node-oidc-provider)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.extensions import db
from tests.accounts.oidc.conftest import use_provider
from tests.accounts.oidc.provider import free_port, sign_in
from tests.factories import make_user


def sso_callback_url(client, provider, login: str, next_url: str | None = None) -> str:
    """Start at our login link, sign in at the provider; the URL it sends the browser to."""
    start = client.get("/login/sso", query_string={"next": next_url} if next_url else None)
    assert start.status_code == 302
    return sign_in(start.headers["Location"], login, provider)


def visit(client, url: str):
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}")


def with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = {**dict(parse_qsl(parts.query)), **changes}
    query = {key: value for key, value in query.items() if value is not None}
    return parts._replace(query=urlencode(query)).geturl()


def member_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_login_page_offers_the_association_only_when_set_up(app, client, monkeypatch,
                                                            oidc_provider):
    assert "Log in with" not in client.get("/login").get_data(as_text=True)
    assert client.get("/login/sso").status_code == 404
    use_provider(app, monkeypatch, oidc_provider)
    page = client.get("/login").get_data(as_text=True)
    assert "Log in with Example Library Association" in page


def test_first_sign_in_creates_the_member_and_returns_to_next(client, sso, app_ctx):
    callback = sso_callback_url(client, sso, "grace", next_url="/courses")
    assert callback.startswith("http://127.0.0.1:5000/login/sso/callback?")
    response = visit(client, callback)
    assert response.status_code == 302
    assert response.headers["Location"] == "/courses"
    assert client.get("/profile").status_code == 200
    member = db.session.execute(select(User)).scalar_one()
    assert (member.email, member.name, member.sso_subject) == (
        "grace@example.org", "Grace Hopper", "grace")


def test_verified_email_links_the_existing_account(client, sso, app_ctx):
    ada = make_user(email="ada@example.org", name="Ada of the branch library")
    assert visit(client, sso_callback_url(client, sso, "ada")).status_code == 302
    profile = client.get("/profile")
    assert profile.status_code == 200
    assert 'value="Ada of the branch library"' in profile.get_data(as_text=True)
    db.session.refresh(ada)
    assert ada.sso_subject == "ada"
    assert member_count() == 1


def test_a_wrong_state_is_refused(client, sso, app_ctx):
    callback = sso_callback_url(client, sso, "grace")
    response = visit(client, with_query(callback, state="forged-state"))
    assert response.status_code == 400
    assert "could not confirm your sign-in" in response.get_data(as_text=True)
    assert client.get("/profile").status_code == 302  # not logged in
    assert member_count() == 0


def test_a_replayed_callback_is_refused(app, client, sso, app_ctx):
    callback = sso_callback_url(client, sso, "grace")
    before = client.get_cookie("session").value  # the session still holding state and nonce
    assert visit(client, callback).status_code == 302
    assert visit(client, callback).status_code == 400  # state and nonce were used up

    thief = app.test_client()  # the URL and the earlier cookie, replayed elsewhere
    thief.set_cookie("session", before)
    assert visit(thief, callback).status_code == 400
    assert thief.get("/profile").status_code == 302
    assert member_count() == 1


def test_an_unverified_email_is_refused(client, sso, app_ctx):
    make_user(email="mallory@example.org")
    response = visit(client, sso_callback_url(client, sso, "mallory"))
    assert response.status_code == 403
    assert "has not verified your email address" in response.get_data(as_text=True)
    assert client.get("/profile").status_code == 302
    assert db.session.scalar(select(User.sso_subject)) is None


def test_a_token_from_another_issuer_is_refused(app, client, monkeypatch, other_issuer_provider,
                                                app_ctx):
    use_provider(app, monkeypatch, other_issuer_provider)
    callback = sso_callback_url(client, other_issuer_provider, "ada")
    assert dict(parse_qsl(urlsplit(callback).query))["iss"].endswith("/elsewhere")
    assert visit(client, callback).status_code == 400  # the response names another issuer

    # Without the response's iss, the ID token itself names the other issuer.
    callback = sso_callback_url(client, other_issuer_provider, "ada")
    response = visit(client, with_query(callback, iss=None))
    assert response.status_code == 400
    assert "could not confirm your sign-in" in response.get_data(as_text=True)
    assert member_count() == 0


def test_oidc_only_turns_passwords_off_for_sso_members(app, auth, sso, monkeypatch, app_ctx):
    make_user(email="ada@example.org", sso_subject="ada")
    make_user(email="bob@example.org")
    monkeypatch.setitem(app.config, "OIDC_ONLY", True)
    refused = auth.login("ada@example.org")
    assert refused.status_code == 401
    assert "use “Log in with Example Library Association”" in refused.get_data(as_text=True)
    assert auth.login("bob@example.org").status_code == 302  # members without SSO still may

    monkeypatch.setitem(app.config, "OIDC_ONLY", False)
    auth.logout()
    assert auth.login("ada@example.org").status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_sso_never_redirects_off_site(client, sso, app_ctx, target: str):
    response = visit(client, sso_callback_url(client, sso, "grace", next_url=target))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_provider_error_is_shown_without_its_text(client, sso):
    response = client.get("/login/sso/callback", query_string={
        "error": "access_denied", "error_description": "Call 555-0100 to restore your access"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Example Library Association did not sign you in" in text
    assert "555-0100" not in text


def test_a_deactivated_member_is_refused(client, sso, app_ctx):
    make_user(email="ada@example.org", sso_subject="ada", is_active=False)
    response = visit(client, sso_callback_url(client, sso, "ada"))
    assert response.status_code == 401
    assert "deactivated" in response.get_data(as_text=True)
    assert client.get("/profile").status_code == 302


def test_an_unreachable_provider_gets_a_clear_answer(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "OIDC_ISSUER", f"http://127.0.0.1:{free_port()}")
    response = client.get("/login/sso")
    assert response.status_code == 503
    assert "cannot be reached just now" in response.get_data(as_text=True)
