from lms.extensions import db
from tests.factories import make_user


def test_login_with_right_password(auth, app_ctx):
    make_user(email="ada@example.org")
    response = auth.login("ADA@example.org")
    assert response.status_code == 302
    assert auth.client.get("/profile").status_code == 200


def test_wrong_password_and_unknown_email_fail_alike(auth, app_ctx):
    make_user(email="ada@example.org")
    wrong = auth.login("ada@example.org", "wrong password!")
    unknown = auth.login("nobody@example.org", "wrong password!")
    assert wrong.status_code == unknown.status_code == 401
    assert "Email or password is incorrect." in wrong.get_data(as_text=True)
    assert "Email or password is incorrect." in unknown.get_data(as_text=True)


def test_sixth_failure_within_a_minute_is_rate_limited(auth, app_ctx):
    make_user(email="ada@example.org")
    statuses = [auth.login("ada@example.org", "wrong password!").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    last = auth.login("ada@example.org")  # even the right password waits now
    assert last.status_code == 429
    assert int(last.headers["Retry-After"]) > 0


def test_failures_are_limited_per_address_across_accounts(auth, app_ctx):
    for n in range(5):
        auth.login(f"nobody{n}@example.org", "wrong password!")
    assert auth.login("someone@example.org", "wrong password!").status_code == 429


def test_api_token_failures_are_limited_too(client, app_ctx):
    make_user(email="ada@example.org")
    statuses = [client.post("/api/v1/tokens", json={"email": "ada@example.org",
                                                    "password": "wrong password!"}).status_code
                for _ in range(6)]
    assert statuses[-1] == 429
    assert statuses[:5] == [401] * 5


def test_next_goes_only_to_this_site(auth, app_ctx):
    make_user(email="ada@example.org")
    for target, expected in [("https://evil.example", "/"), ("//evil.example/x", "/"),
                             ("/\\evil.example", "/"), ("/profile", "/profile")]:
        auth.client.post("/logout")
        response = auth.login("ada@example.org", query_string={"next": target})
        assert response.headers["Location"] == expected, target
        auth.logout()


def test_logout_ends_the_old_session_cookie(app, auth, app_ctx):
    make_user(email="ada@example.org")
    auth.login("ada@example.org", remember=True)
    stolen = {c.key: c.value for c in auth.client._cookies.values()}
    auth.logout()
    replay = app.test_client()
    for key, value in stolen.items():
        replay.set_cookie(key, value)
    assert replay.get("/profile").status_code == 302  # back to the login page


def test_remember_cookie_alone_is_refused_after_password_change(app, auth, app_ctx):
    user = make_user(email="ada@example.org")
    auth.login("ada@example.org", remember=True)
    remember = auth.client.get_cookie("remember_token").value
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember)
    assert fresh.get("/profile").status_code == 200  # remember-me works...
    from lms.accounts.service import change_password

    change_password(user, "correct horse battery", "a new long passphrase")
    db.session.commit()
    replay = app.test_client()
    replay.set_cookie("remember_token", remember)
    assert replay.get("/profile").status_code == 302  # ...until the password changes


def test_deactivated_member_is_logged_out(auth, app_ctx):
    user = make_user(email="ada@example.org")
    auth.login("ada@example.org")
    admin = make_user(role="admin")
    from lms.accounts.staff import set_active

    set_active(admin, user.id, False)
    db.session.commit()
    assert auth.client.get("/profile").status_code == 302
    assert auth.login("ada@example.org").status_code == 401


def test_security_headers_and_cookie_flags(auth, app_ctx):
    make_user(email="ada@example.org")
    response = auth.login("ada@example.org")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
