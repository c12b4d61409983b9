"""Password reset: mailed through a real SMTP server, single use, expiring, rate limited."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from lms.accounts import passwords, service
from lms.errors import NotFound
from lms.extensions import db, utcnow
from tests.factories import api_headers, csrf_from, make_user

NEW_PASSWORD = "a brand new passphrase"


def request_reset(client, email: str, **kwargs):
    """POST the reset form and close the response, as a server does once it is sent
    (the mail goes out then)."""
    page = client.get("/reset", headers=kwargs.get("headers"))
    token = csrf_from(page.get_data(as_text=True))
    response = client.post("/reset", data={"email": email, "csrf_token": token}, **kwargs)
    response.close()
    return response


def mailed_link(mail_server, address: str) -> str:
    (message,) = mail_server.to(address)
    match = re.search(r"https?://\S+/reset/\S+", message.get_content())
    assert match, message.get_content()
    return match.group(0)


def choose_password(client, path: str, password: str = NEW_PASSWORD):
    page = client.get(path).get_data(as_text=True)
    token = csrf_from(page if "csrf" in page else client.get("/login").get_data(as_text=True))
    return client.post(path, data={"password": password, "csrf_token": token})


def test_reset_mail_arrives_and_its_link_works_once(client, app_ctx, mail_server):
    make_user(email="ada@example.org")
    assert request_reset(client, "Ada@Example.org").status_code == 302
    path = urlsplit(mailed_link(mail_server, "ada@example.org")).path
    assert client.get(path).status_code == 200
    assert choose_password(client, path).status_code == 302
    assert client.get(path).status_code == 404  # used: the password it was made for is gone
    assert choose_password(client, path, "yet another passphrase").status_code == 404
    assert service.authenticate("ada@example.org", NEW_PASSWORD, "127.0.0.1")


def test_reset_link_uses_the_configured_site_not_the_host_header(client, app, app_ctx,
                                                                  mail_server):
    make_user(email="ada@example.org")
    response = request_reset(client, "ada@example.org", headers={"Host": "evil.example"})
    assert response.status_code == 302
    assert mailed_link(mail_server, "ada@example.org").startswith(app.config["BASE_URL"] + "/")


def test_request_page_answers_alike_for_known_and_unknown_emails(client, app_ctx, mail_server):
    make_user(email="ada@example.org")
    known = request_reset(client, "ada@example.org", follow_redirects=True)
    unknown = request_reset(client, "nobody@example.org", follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert known.request.path == unknown.request.path == "/login"
    assert main_text(known) == main_text(unknown)
    assert "If an account uses that address" in main_text(known)
    assert len(mail_server.messages) == 1


def main_text(response) -> str:
    html = response.get_data(as_text=True)
    main = html[html.index("<main"):html.index("</main>")]
    return re.sub(r'value="[^"]*"', "", main)  # the CSRF token differs per session


def test_reset_token_expires(app, app_ctx):
    user = make_user(email="ada@example.org")
    token = passwords.make_reset_token(user)
    lifetime = timedelta(seconds=app.config["RESET_TOKEN_SECONDS"])
    assert passwords.user_for_reset_token(token, now=utcnow() + lifetime - timedelta(seconds=5))
    with pytest.raises(NotFound):
        passwords.user_for_reset_token(token, now=utcnow() + lifetime + timedelta(seconds=1))
    with pytest.raises(NotFound):
        service.reset_password(token, NEW_PASSWORD, now=utcnow() + lifetime * 2)


def test_expired_link_page_changes_nothing(app, client, app_ctx, monkeypatch):
    user = make_user(email="ada@example.org")
    token = passwords.make_reset_token(user)
    old_hash = user.password_hash
    monkeypatch.setitem(app.config, "RESET_TOKEN_SECONDS", -1)
    response = client.get(f"/reset/{token}")
    assert response.status_code == 404
    assert "expired or was already used" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == old_hash


def test_reset_token_is_refused_after_the_password_changes(app_ctx):
    user = make_user(email="ada@example.org")
    token = passwords.make_reset_token(user)
    service.change_password(user, "correct horse battery", "changed on the profile page")
    db.session.commit()
    with pytest.raises(NotFound):
        passwords.user_for_reset_token(token)


@pytest.mark.parametrize("token", ["", "garbage", "eyJ1aWQiOjF9.forged.signature"])
def test_forged_tokens_are_refused(client, app_ctx, token):
    assert client.get(f"/reset/{token}").status_code == 404


def test_reset_token_of_deactivated_member_is_refused(app_ctx):
    user = make_user(email="ada@example.org", is_active=False)
    with pytest.raises(NotFound):
        passwords.user_for_reset_token(passwords.make_reset_token(user))


def test_reset_ends_sessions_and_revokes_api_tokens(client, app_ctx):
    user = make_user(email="ada@example.org")
    headers = api_headers(user)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    service.reset_password(passwords.make_reset_token(user), NEW_PASSWORD)
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_reset_requests_are_rate_limited_per_address(client, app_ctx):
    statuses = [request_reset(client, f"x{n}@example.org").status_code for n in range(6)]
    assert statuses == [302] * 5 + [429]
    limited = request_reset(client, "x@example.org")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert "Too Many Requests" in limited.get_data(as_text=True)


def test_one_inbox_gets_at_most_three_reset_mails_an_hour(client, app_ctx, mail_server):
    make_user(email="ada@example.org")
    for n in range(4):
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{n}"  # spread over addresses
        assert request_reset(client, "ada@example.org").status_code == 302
    assert len(mail_server.to("ada@example.org")) == 3
