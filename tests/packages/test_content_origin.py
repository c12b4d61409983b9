"""Packages play from the package content origin, never the app's own (lms/origins.py).

The test app's own origin is BASE_URL (http://127.0.0.1:5000); its content origin is
http://localhost:5000 by the loopback swap. Requests of the test client without a
base URL go to host "localhost" (port 80): the main site too. Cookies ignore ports, so
a test that shows the content host gets no cookie logs in on 127.0.0.1, as a browser
on the real main host would.
"""

from __future__ import annotations

import base64
import json
import re
from html import unescape as html_unescape

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from lms import origins
from lms.extensions import db
from lms.packages import launches
from lms.progress.models import ItemProgress, PackageRuntime
from tests.browser import assert_accessible, log_in
from tests.factories import PASSWORD, api_headers, csrf_from, enrol, make_course, make_user
from tests.packages import scorm_samples as samples

MAIN = "http://127.0.0.1:5000"
CONTENT = "http://localhost:5000"
LAUNCH = "lesson/index.html"


def package_course(data: bytes | None = None):
    course = make_course(title="Shelving")
    item, content = samples.stored_package(data or samples.scorm12_zip(status="passed"),
                                           course, title="Shelving lesson")
    member = make_user()
    enrol(member, course)
    return course, item, content, member


def token_of(member, item, content) -> str:
    return launches.sign(member.id, item.id, content.id)


def runtime_rows() -> int:
    db.session.expire_all()
    return len(db.session.execute(select(PackageRuntime)).scalars().all())


def item_status(member, item) -> str | None:
    db.session.expire_all()
    return db.session.execute(select(ItemProgress.status).where(
        ItemProgress.user_id == member.id, ItemProgress.item_id == item.id)).scalar()


def log_in_on_main(client, email: str):
    form = client.get("/login", base_url=MAIN).get_data(as_text=True)
    return client.post("/login", base_url=MAIN, data={
        "email": email, "password": PASSWORD, "csrf_token": csrf_from(form)})


# --- settings -------------------------------------------------------------------------


@pytest.mark.parametrize(("base", "explicit", "expected"), [
    ("http://127.0.0.1:5000", None, "http://localhost:5000"),
    ("http://localhost:8000/", None, "http://127.0.0.1:8000"),
    ("https://lms.example.org", None, None),
    ("https://lms.example.org", "https://content.example-lms.net/", "https://content.example-lms.net"),
])
def test_the_content_origin_is_set_or_swapped_from_loopback(base, explicit, expected):
    assert origins.package_base_url({"BASE_URL": base, "PACKAGE_BASE_URL": explicit}) == expected


@pytest.mark.parametrize("package_base", ["http://127.0.0.1:5000", "HTTP://127.0.0.1:5000/lms",
                                          "http://127.0.0.1:5001", "https://127.0.0.1"])
def test_the_app_refuses_to_start_with_packages_on_its_own_origin(make_app, package_base):
    with pytest.raises(RuntimeError, match="another origin"):
        make_app("test", BASE_URL="http://127.0.0.1:5000", PACKAGE_BASE_URL=package_base)


def test_the_app_refuses_a_session_cookie_domain_covering_the_content_host(make_app):
    with pytest.raises(RuntimeError, match="SESSION_COOKIE_DOMAIN"):
        make_app("test", BASE_URL="https://lms.example.org",
                 PACKAGE_BASE_URL="https://content.example.org",
                 SESSION_COOKIE_DOMAIN=".example.org")


def test_production_without_a_content_origin_starts_and_warns(make_app, caplog):
    make_app("production", SECRET_KEY="s" * 40, ALLOW_SQLITE=True,
             BASE_URL="https://lms.example.org")
    assert "LMS_PACKAGE_BASE_URL is not set" in caplog.text
    caplog.clear()
    make_app("production", SECRET_KEY="s" * 40, ALLOW_SQLITE=True,
             BASE_URL="https://lms.example.org", PACKAGE_BASE_URL="https://content.example.net")
    assert "LMS_PACKAGE_BASE_URL" not in caplog.text


def test_without_a_content_origin_the_player_says_why_and_frames_nothing(
        app, client, auth, app_ctx, monkeypatch):
    course, item, _content, member = package_course()
    monkeypatch.setitem(app.config, "BASE_URL", "https://lms.example.org")
    auth.login(member.email)
    html = client.get(f"/learn/{course.slug}/items/{item.id}").get_data(as_text=True)
    assert "Packages can't play on this site until its administrator sets" in html
    assert "<iframe" not in html
    assert "/pkg/" not in html


# --- the player and the launcher ---------------------------------------------------------


def test_the_player_frames_the_launcher_of_the_content_origin(client, auth, app_ctx):
    course, item, _content, member = package_course()
    auth.login(member.email)
    player = client.get(f"/learn/{course.slug}/items/{item.id}")
    html = player.get_data(as_text=True)
    frame = re.search(r'<iframe title="Shelving lesson" src="([^"]+)"\s+sandbox="([^"]+)"', html)
    assert frame is not None, html
    assert frame.group(1).startswith(CONTENT + "/pkg/")
    assert frame.group(2) == "allow-scripts allow-same-origin allow-forms"
    assert f"frame-src 'self' {CONTENT};" in player.headers["Content-Security-Policy"]
    # The main page no longer runs the SCORM runtime.
    assert "scorm-again" not in html

    launcher = client.get(frame.group(1))
    assert launcher.status_code == 200
    csp = launcher.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp
    assert f"frame-ancestors {MAIN}" in csp
    assert "X-Frame-Options" not in launcher.headers
    settings = json.loads(html_unescape(re.search(
        r"<body data-launch-settings='([^']*)'>", launcher.get_data(as_text=True)).group(1)))
    token = frame.group(1).split("/")[4]
    assert settings["launchUrl"] == f"/pkg/{token}/f/{LAUNCH}"
    assert settings["runtimeUrl"] == f"/pkg/{token}/runtime"
    assert settings["records"] is True
    assert settings["cmi"]["core"]["student_id"] == str(member.id)


def test_an_admin_previewing_plays_the_package_and_records_nothing(client, auth, app_ctx):
    course, item, _content, _member = package_course()
    admin = make_user(role="admin")
    auth.login(admin.email)
    html = client.get(f"/learn/{course.slug}/items/{item.id}").get_data(as_text=True)
    launcher = re.search(r'src="(http://localhost:5000/pkg/[^"]+/)"', html).group(1)
    page = client.get(launcher)
    settings = json.loads(html_unescape(re.search(
        r"<body data-launch-settings='([^']*)'>", page.get_data(as_text=True)).group(1)))
    assert (settings["records"], settings["cmi"]) == (False, None)
    refused = client.post(launcher + "runtime", json={"cmi": {"core": {
        "lesson_status": "passed"}}})
    assert refused.status_code == 403
    assert runtime_rows() == 0


def test_package_files_are_served_on_the_content_host_only(client, app_ctx):
    _course, item, content, member = package_course()
    path = f"/pkg/{token_of(member, item, content)}/f/{LAUNCH}"
    assert client.get(path).status_code == 404
    assert client.get(path, base_url=MAIN).status_code == 404
    served = client.get(path, base_url=CONTENT)
    assert served.status_code == 200
    assert served.mimetype == "text/html"
    csp = served.headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {MAIN};" in csp
    assert "sandbox allow-scripts allow-same-origin allow-forms" in csp
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in served.headers
    served.close()
    assert client.get(f"/pkg/{token_of(member, item, content)}/f/no/such.html",
                      base_url=CONTENT).status_code == 404


def test_the_runtime_under_a_token_records_progress_like_the_api(client, app_ctx):
    _course, item, content, member = package_course()
    runtime = f"/pkg/{token_of(member, item, content)}/runtime"
    assert client.get(runtime).status_code == 404  # main host
    loaded = client.get(runtime, base_url=CONTENT)
    assert loaded.get_json()["standard"] == "scorm12"
    committed = client.post(runtime, base_url=CONTENT, json={"cmi": {"core": {
        "lesson_status": "passed", "score": {"raw": "90"}}}})
    assert committed.status_code == 200, committed.get_json()
    assert committed.get_json()["completed"] is True
    assert item_status(member, item) == "completed"
    bad = client.post(runtime, base_url=CONTENT, json={"cmi": "nope"})
    assert bad.status_code == 422
    assert bad.mimetype == "application/problem+json"


def tampered(token: str, user_id: int) -> str:
    """The token with its member changed, signature kept (what a forger could try)."""
    payload, rest = token.split(".", 1)
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data[0] = user_id
    forged = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode())
    return forged.decode().rstrip("=") + "." + rest


def test_forged_tampered_and_expired_tokens_change_nothing(app, client, app_ctx, monkeypatch):
    course, item, content, member = package_course()
    other = make_user()
    enrol(other, course)
    body = {"cmi": {"core": {"lesson_status": "passed"}}}
    forged = [
        tampered(token_of(member, item, content), other.id),
        URLSafeTimedSerializer("not-the-key", salt=launches.SALT).dumps(
            [other.id, item.id, content.id]),
        URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="another-salt").dumps(
            [other.id, item.id, content.id]),
        "not-a-token",
    ]
    for token in forged:
        for method, path in (("GET", "/"), ("GET", f"/f/{LAUNCH}"), ("POST", "/runtime"),
                             ("GET", "/runtime"), ("POST", "/cmi5-launch")):
            response = client.open(f"/pkg/{token}{path}", method=method, base_url=CONTENT,
                                   json=body if method == "POST" else None)
            assert response.status_code == 404, (token, path)
            response.close()
    assert runtime_rows() == 0
    assert item_status(other, item) is None

    monkeypatch.setattr(launches, "MAX_AGE", -1)
    expired = client.post(f"/pkg/{token_of(other, item, content)}/runtime", base_url=CONTENT,
                          json=body)
    assert expired.status_code == 403
    assert "reload the course page" in expired.get_json()["detail"]
    assert runtime_rows() == 0


def test_a_token_is_checked_again_on_every_request(client, app_ctx):
    """Signed tokens cannot be revoked: who may play and record is asked each time."""
    _course, item, content, member = package_course()
    token = token_of(member, item, content)
    stranger = make_user()
    assert client.get(f"/pkg/{token_of(stranger, item, content)}/f/{LAUNCH}",
                      base_url=CONTENT).status_code == 404
    refused = client.post(f"/pkg/{token_of(stranger, item, content)}/runtime",
                          base_url=CONTENT, json={"cmi": {"core": {"lesson_status": "passed"}}})
    assert refused.status_code == 403
    member.is_active = False
    db.session.commit()
    assert client.get(f"/pkg/{token}/f/{LAUNCH}", base_url=CONTENT).status_code == 404
    assert runtime_rows() == 0


# --- the two hosts ------------------------------------------------------------------------


def test_the_content_host_gets_no_session_and_no_page_of_the_main_site(client, app_ctx):
    course, item, content, member = package_course()
    logged_in = log_in_on_main(client, member.email)
    assert logged_in.status_code == 302
    for cookie in logged_in.headers.getlist("Set-Cookie"):
        assert "domain=" not in cookie.lower(), cookie  # host-only
    assert client.get("/api/v1/me", base_url=MAIN).status_code == 200

    # The browser sends the content host none of the main host's cookies...
    assert client.get_cookie("session", domain="localhost") is None
    # ...and even with the session cookie, or a token, no page or API of the main site is
    # served there: a GET goes to the same address on the main origin, anything else is 404.
    session = client.get_cookie("session", domain="127.0.0.1").value
    for path in ("/", "/api/v1/me", "/login?next=/courses", f"/learn/{course.slug}"):
        response = client.get(path, base_url=CONTENT, headers={
            "Cookie": f"session={session}", **api_headers(member)})
        assert response.status_code == 302, path
        assert response.headers["Location"] == MAIN.rstrip("/") + path
        assert "Log in" not in response.get_data(as_text=True)
    for path in ("/login", "/register", "/api/v1/tokens"):
        response = client.post(path, base_url=CONTENT, headers={
            "Cookie": f"session={session}", **api_headers(member)})
        assert response.status_code == 404, path
    assert client.get("/healthz", base_url=CONTENT).status_code == 200
    static = client.get("/static/css/site.css", base_url=CONTENT)
    assert static.status_code == 200
    static.close()
    assert client.get(f"/pkg/{token_of(member, item, content)}/", base_url=MAIN
                      ).status_code == 404


# --- in Chromium --------------------------------------------------------------------------


@pytest.mark.browser
def test_a_package_cannot_reach_the_main_page_or_the_members_session(page, live_server,
                                                                     app_ctx):
    course, item, _content, member = package_course()
    log_in(page, member.email)
    page.goto(f"/learn/{course.slug}/items/{item.id}")
    sco = page.frame_locator("iframe.package-frame").frame_locator("#package-content")
    sco.locator("#state").filter(has_text="initialised").wait_for()
    frame = next(f for f in page.frames if "/f/lesson/" in f.url)
    main = live_server.url
    content = main.replace("127.0.0.1", "localhost")
    assert frame.evaluate("location.origin") == content
    # The runtime is in its parent, on its own origin, as SCORM requires.
    assert frame.evaluate("typeof window.parent.API.LMSInitialize") == "function"
    assert frame.evaluate("document.cookie") == ""
    reached = frame.evaluate("""() => {
        try { return window.parent.parent.document.title; } catch (e) { return "blocked"; }
    }""")
    assert reached == "blocked"
    read = frame.evaluate("""(url) => fetch(url, {credentials: "include"})
        .then((r) => r.text()).then((text) => "read: " + text, () => "refused")""",
                          f"{main}/api/v1/me")
    assert read == "refused"
    assert member.email not in read

    # The launcher page on its own (what the frame shows around the package) passes axe.
    page.goto(page.locator("iframe.package-frame").get_attribute("src"))
    page.frame_locator("#package-content").locator("#state").filter(
        has_text="initialised").wait_for()
    assert_accessible(page)


def test_every_player_view_frames_a_token_of_its_own(client, auth, app_ctx, monkeypatch):
    course, item, _content, member = package_course()
    auth.login(member.email)
    signed = iter(range(1000))
    monkeypatch.setattr(launches, "sign", lambda *ids: f"token-{next(signed)}")
    first, second = (client.get(f"/learn/{course.slug}/items/{item.id}").get_data(as_text=True)
                     for _ in range(2))
    assert f'src="{CONTENT}/pkg/token-0/"' in first
    assert f'src="{CONTENT}/pkg/token-1/"' in second
