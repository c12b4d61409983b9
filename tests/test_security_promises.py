"""SECURITY.md promises that the route matrix does not cover by itself.

Open redirects, active uploads never inline, CSV formula neutralising in every
export, rate limits with Retry-After, logged 403s, 404 for things the caller may
not know exist, session cookie flags.
"""

from __future__ import annotations

import csv
import io
import logging

import pytest

from lms.extensions import db
from tests.factories import (
    PASSWORD,
    Auth,
    api_headers,
    enrol,
    make_course,
    make_item,
    make_media,
    make_module,
    make_user,
)

EVIL_NEXT = ["https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example",
             "https:/evil.example", "javascript:alert(1)", " //evil.example", "/%09/evil.example",
             "\t//evil.example", "http://localhost@evil.example/"]
FORMULA = "=HYPERLINK(\"http://evil.example\")"


# --- open redirects -------------------------------------------------------------------------

@pytest.mark.parametrize("target", EVIL_NEXT)
def test_login_never_redirects_off_site(client, app_ctx, target: str) -> None:
    user = make_user()
    response = Auth(client).login(user.email, query_string={"next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location


def test_login_keeps_a_local_next(client, app_ctx) -> None:
    user = make_user()
    response = Auth(client).login(user.email, query_string={"next": "/my-learning?x=1"})
    assert response.headers["Location"] == "/my-learning?x=1"


def test_login_redirect_for_protected_pages_is_local(client) -> None:
    response = client.get("/my-learning")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/my-learning")


# --- uploads: active content is never a page on our origin ----------------------------------

@pytest.mark.parametrize(("name", "content_type", "body"), [
    ("page.html", "text/html", b"<!doctype html><script>alert(1)</script>"),
    ("logo.svg", "image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    ("sneaky.pdf", "application/pdf", b"<html><script>alert(1)</script></html>"),
])
def test_active_uploads_are_refused_or_never_inline(client, app_ctx, name, content_type, body):
    headers = api_headers(make_user(role="instructor"))
    response = client.post("/api/v1/media", headers=headers,
                           data={"file": (io.BytesIO(body), name, content_type)})
    if response.status_code != 201:
        assert 400 <= response.status_code < 500
        return
    content = client.get(f"/api/v1/media/{response.get_json()['id']}/content", headers=headers)
    assert content.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in content.headers["Content-Security-Policy"]
    assert content.headers["X-Content-Type-Options"] == "nosniff"
    content.close()


def test_stored_html_and_svg_are_served_as_attachments(client, app_ctx) -> None:
    """Even rows that claim an active type (imports, old data) download, sandboxed."""
    from lms.storage import get_storage

    instructor = make_user(role="instructor")
    headers = api_headers(instructor)
    course = make_course(instructors=[instructor])
    module = make_module(course)
    for content_type in ("text/html", "image/svg+xml", "application/xhtml+xml"):
        media = make_media(content_type=content_type, kind="file", original_name="x.html",
                           uploader_id=instructor.id, duration_seconds=None)
        get_storage().save(media.storage_key, io.BytesIO(b"<script>1</script>"), content_type)
        make_item(module, kind="file", media=media, body="")
        response = client.get(f"/api/v1/media/{media.id}/content", headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.headers["Content-Disposition"].startswith("attachment"), content_type
        assert "sandbox" in response.headers["Content-Security-Policy"]
        response.close()


# --- CSV exports neutralise formulas --------------------------------------------------------

def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def _assert_neutral(text: str, needle: str = "HYPERLINK") -> None:
    cells = [cell for cell in _cells(text) if needle in cell]
    assert cells, f"the hostile value is missing from the export: {text[:300]}"
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in cells), cells


@pytest.fixture
def hostile(app_ctx, client):
    """A course whose learner's name and quiz answer are formulas, with staff to export it."""
    admin = make_user(role="admin")
    instructor = make_user(role="instructor")
    course = make_course(instructors=[instructor], title=FORMULA, modules=1, items_per_module=1)
    learner = make_user(name=FORMULA, certificate_name=FORMULA, email="x@example.org")
    enrol(learner, course)
    return {"admin": admin, "instructor": instructor, "course": course, "learner": learner}


def test_course_report_csv_is_neutralised(client, hostile) -> None:
    Auth(client).login(hostile["instructor"].email)
    response = client.get(f"/reports/courses/{hostile['course'].id}.csv")
    assert response.status_code == 200
    _assert_neutral(response.get_data(as_text=True))
    api = client.get(f"/api/v1/courses/{hostile['course'].id}/report?format=csv",
                     headers=api_headers(hostile["instructor"]))
    _assert_neutral(api.get_data(as_text=True))


def test_signup_codes_csv_is_neutralised(client, hostile) -> None:
    from lms.catalog.models import SignupCode

    db.session.add(SignupCode(course_id=hostile["course"].id, code="ABC-1", batch=FORMULA))
    db.session.commit()
    Auth(client).login(hostile["admin"].email)
    response = client.get(f"/admin/courses/{hostile['course'].slug}/codes.csv")
    assert response.status_code == 200
    _assert_neutral(response.get_data(as_text=True))


def test_quiz_attempts_csv_is_neutralised(client, hostile) -> None:
    quiz = make_item(hostile["course"].modules[0], kind="quiz", title="Q", body="")
    editor = api_headers(hostile["instructor"])
    question = {"kind": "short_text", "prompt": "Say", "accepted_answers": ["x"]}
    added = client.post(f"/api/v1/items/{quiz.id}/questions", json=question, headers=editor)
    assert added.status_code == 201, added.get_json()
    learner = api_headers(hostile["learner"])
    attempt = client.post(f"/api/v1/items/{quiz.id}/attempts", headers=learner).get_json()
    answers = {"answers": {str(added.get_json()["id"]): FORMULA}}
    submitted = client.post(f"/api/v1/attempts/{attempt['id']}/submit", json=answers,
                            headers=learner)
    assert submitted.status_code == 200, submitted.get_json()
    Auth(client).login(hostile["instructor"].email)
    response = client.get(f"/studio/quizzes/{quiz.id}/attempts.csv")
    assert response.status_code == 200
    _assert_neutral(response.get_data(as_text=True))


def test_transcript_csv_is_neutralised(client, hostile) -> None:
    from datetime import date
    from decimal import Decimal

    from lms.certificates.models import Certificate

    db.session.add(Certificate(code="AAAA-BBBB-CCCC-DDDD-EEEE", user_id=hostile["learner"].id,
                               course_id=hostile["course"].id, completed_on=date(2026, 1, 2),
                               name=FORMULA, course_title=FORMULA, ce_hours=Decimal("1.5")))
    db.session.commit()
    response = client.get("/api/v1/me/transcript.csv", headers=api_headers(hostile["learner"]))
    assert response.status_code == 200
    _assert_neutral(response.get_data(as_text=True))


# --- rate limits ----------------------------------------------------------------------------

def _hammer(send, times: int):
    for _ in range(times):
        response = send()
        if response.status_code == 429:
            return response
    return response


def _assert_limited(response, api: bool = False) -> None:
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    if api:
        assert response.mimetype == "application/problem+json"


def test_login_failures_are_limited(client, app_ctx) -> None:
    user = make_user()
    auth = Auth(client)
    _assert_limited(_hammer(lambda: auth.login(user.email, "wrong password"), 10))


def test_token_requests_are_limited(client, app_ctx) -> None:
    user = make_user()
    body = {"email": user.email, "password": "wrong password"}
    _assert_limited(_hammer(lambda: client.post("/api/v1/tokens", json=body), 40), api=True)


def test_reset_requests_are_limited(client, app_ctx) -> None:
    auth = Auth(client)
    _assert_limited(_hammer(lambda: auth.post("/reset", {"email": "a@example.org"}), 10))


def test_reset_token_posts_are_limited(client, app_ctx) -> None:
    auth = Auth(client)
    data = {"password": "x", "confirm": "x"}
    _assert_limited(_hammer(lambda: auth.post("/reset/forged-token", data), 15))


@pytest.mark.parametrize("path", ["/login/sso", "/login/sso/callback?state=x&code=y"])
def test_single_sign_on_is_limited(client, path: str) -> None:
    _assert_limited(_hammer(lambda: client.get(path), 40))


@pytest.mark.parametrize("path", ["/verify/NOPE-NOPE", "/api/v1/verify/NOPE-NOPE"])
def test_verification_is_limited(client, app, path: str, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "CERTIFICATE_VERIFY_LIMIT", "3/minute")
    _assert_limited(_hammer(lambda: client.get(path), 6), api=path.startswith("/api/"))


@pytest.mark.parametrize("path", ["/lti/login", "/lti/launch"])
def test_lti_logins_and_launches_are_limited(client, app, path: str, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "LTI_LAUNCH_LIMIT", "3/minute")
    _assert_limited(_hammer(lambda: client.post(path, data={"state": "x"}), 6))


# --- failed authorization is logged; 404 for what the caller may not know exists ------------

def test_forbidden_is_logged(client, app_ctx, caplog) -> None:
    course = make_course()
    member = make_user()
    with caplog.at_level(logging.WARNING, logger="lms.errors"):
        response = client.patch(f"/api/v1/courses/{course.id}", json={"title": "Mine"},
                                headers=api_headers(member))
    assert response.status_code == 403
    expected = f"forbidden: PATCH /api/v1/courses/{course.id} by member {member.id}"
    assert any(expected in record.getMessage() for record in caplog.records), caplog.text


def test_forbidden_page_is_logged(client, app_ctx, caplog) -> None:
    member = make_user()
    Auth(client).login(member.email)
    with caplog.at_level(logging.WARNING, logger="lms.errors"):
        response = client.get("/admin/members")
    assert response.status_code in (403, 404)
    if response.status_code == 403:
        assert f"forbidden: GET /admin/members by member {member.id}" in caplog.text


def test_drafts_are_404_to_others(client, app_ctx) -> None:
    owner = make_user(role="instructor")
    draft = make_course(instructors=[owner], status="draft", modules=1, items_per_module=1)
    item_id = draft.modules[0].items[0].id
    for role in ("member", "instructor"):
        user = make_user(role=role)
        headers = api_headers(user)
        for path in (f"/api/v1/courses/{draft.id}", f"/api/v1/items/{item_id}",
                     f"/api/v1/courses/{draft.id}/progress"):
            assert client.get(path, headers=headers).status_code == 404, path
        Auth(client).login(user.email)
        for path in (f"/courses/{draft.slug}", f"/learn/{draft.slug}",
                     f"/studio/courses/{draft.id}"):
            assert client.get(path).status_code == 404, (role, path)


def test_other_members_attempts_are_404(client, app_ctx) -> None:
    instructor = make_user(role="instructor")
    course = make_course(instructors=[instructor])
    quiz = make_item(make_module(course), kind="quiz", title="Q", body="")
    question = {"kind": "true_false", "prompt": "Yes?", "answer": True}
    client.post(f"/api/v1/items/{quiz.id}/questions", json=question,
                headers=api_headers(instructor))
    owner, other = make_user(), make_user()
    enrol(owner, course)
    enrol(other, course)
    attempt = client.post(f"/api/v1/items/{quiz.id}/attempts", headers=api_headers(owner))
    attempt_id = attempt.get_json()["id"]
    headers = api_headers(other)
    assert client.get(f"/api/v1/attempts/{attempt_id}", headers=headers).status_code == 404
    submit = client.post(f"/api/v1/attempts/{attempt_id}/submit", json={"answers": {}},
                         headers=headers)
    assert submit.status_code == 404
    Auth(client).login(other.email)
    assert client.get(f"/quiz/attempts/{attempt_id}").status_code == 404


# --- session cookies ------------------------------------------------------------------------

def _set_cookies(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def test_session_cookie_flags(client, app_ctx) -> None:
    user = make_user()
    response = Auth(client).login(user.email, PASSWORD, remember=True)
    cookies = _set_cookies(response)
    assert cookies
    for cookie in cookies:
        lowered = cookie.lower()
        assert "httponly" in lowered and "samesite=lax" in lowered, cookie


def test_production_cookies_are_secure(make_app) -> None:
    app = make_app("production", SECRET_KEY="x" * 40, ALLOW_SQLITE=True)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


# --- both ends of a move or copy are checked ------------------------------------------------

@pytest.fixture
def two_courses(app_ctx):
    """Instructor A's course and instructor B's course, each with a module, an item, a video."""
    a, b = make_user(role="instructor"), make_user(role="instructor")
    course_a = make_course(instructors=[a], modules=1, items_per_module=1)
    course_b = make_course(instructors=[b], modules=1, items_per_module=1)
    media_b = make_media(uploader_id=b.id)
    captions_b = make_media(uploader_id=b.id, kind="captions", content_type="text/vtt",
                            original_name="c.vtt", duration_seconds=None)
    return {"a": api_headers(a), "module_a": course_a.modules[0].id,
            "item_a": course_a.modules[0].items[0].id, "module_b": course_b.modules[0].id,
            "media_b": media_b.id, "captions_b": captions_b.id, "course_b": course_b.id,
            "course_a": course_a.id,
            "a_id": a.id}


def _refused(response) -> None:
    assert response.status_code in (400, 403, 404, 422), response.get_json()
    assert response.mimetype == "application/problem+json"


def test_another_instructors_media_cannot_be_used(client, two_courses) -> None:
    t = two_courses
    _refused(client.post(f"/api/v1/modules/{t['module_a']}/items", headers=t["a"],
                         json={"kind": "video", "title": "Theirs", "media_id": t["media_b"]}))
    _refused(client.post(f"/api/v1/modules/{t['module_a']}/items", headers=t["a"], json={
        "kind": "video", "title": "Theirs", "captions_media_id": t["captions_b"]}))
    _refused(client.get(f"/api/v1/media/{t['media_b']}/content", headers=t["a"]))


def test_items_cannot_move_into_another_course(client, two_courses) -> None:
    t = two_courses
    _refused(client.patch(f"/api/v1/items/{t['item_a']}", headers=t["a"],
                          json={"module_id": t["module_b"]}))


def test_an_instructor_cannot_join_another_course(client, two_courses) -> None:
    t = two_courses
    _refused(client.post(f"/api/v1/courses/{t['course_b']}/instructors", headers=t["a"],
                         json={"member_id": t["a_id"]}))
    _refused(client.post(f"/api/v1/courses/{t['course_b']}/duplicate", headers=t["a"]))


# --- values the database cannot hold are bad input, not server errors -----------------------

@pytest.mark.parametrize("huge", [2**40, 2**70])
def test_ids_past_the_database_range_in_bodies_are_4xx(client, two_courses, huge: int) -> None:
    t = two_courses
    for method, path, body in [
        ("POST", f"/api/v1/courses/{t['course_a']}/instructors", {"member_id": huge}),
        ("PATCH", f"/api/v1/items/{t['item_a']}", {"module_id": huge}),
        ("POST", f"/api/v1/modules/{t['module_a']}/items",
         {"kind": "video", "title": "V", "media_id": huge}),
    ]:
        response = client.open(path, method=method, json=body, headers=t["a"])
        assert 400 <= response.status_code < 500, (path, response.status_code)
        assert response.mimetype == "application/problem+json"


def test_completions_csv_is_neutralised(client, hostile) -> None:
    from datetime import UTC, datetime

    from lms.catalog.models import Enrollment

    enrollment = db.session.execute(db.select(Enrollment)).scalars().one()
    enrollment.completed_at = datetime.now(UTC)
    # Five completions in each of two courses: neither group is masked (one group alone
    # would be the total, and the report withholds such a breakdown).
    plain = make_course(title="Plain course")
    for course, count in ((hostile["course"], 4), (plain, 5)):
        for _ in range(count):
            enrol(make_user(), course, completed_at=datetime.now(UTC))
    db.session.commit()
    Auth(client).login(hostile["admin"].email)
    response = client.get("/reports/completions.csv", query_string={"group": "course"})
    assert response.status_code == 200
    _assert_neutral(response.get_data(as_text=True))


# --- secrets handed out only when due -------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "member", "enrolled", "other_instructor"])
def test_no_page_or_answer_shows_a_meeting_address_before_its_window(app, client, role):
    """The seeded session (its window still closed) has a registrant: every GET of every
    route, pages and API, as each role but the course's editors, keeps its address out."""
    from tests.security_world import seed
    from tests.test_route_matrix import Actor, calls, fill

    shown = []
    with app.app_context():
        world = seed(client)
        world.ids["member_id"] = world.users["other_instructor"].id
        actor = Actor(client, world, role)
        for call in calls(app, {"GET"}):
            response = actor.request(call, fill(call, world))
            body = response.get_data()
            if b"meet.example.org/j/world" in body or "/j/world" in (response.location or ""):
                shown.append(str(call))
            response.close()
    assert shown == []


# --- SCORM and cmi5 packages ----------------------------------------------------------------

def test_package_html_is_never_served_inline_from_the_apps_origin(app, client, app_ctx) -> None:
    """HTML uploads are never served inline from the app's origin: a SCORM package's pages
    are served from the package content origin only, to the course's learners."""
    from lms.origins import content_origin, origin_of
    from lms.packages import launches
    from tests.packages.scorm_samples import scorm12_zip, stored_package

    course, other_course = make_course(), make_course()
    item, content = stored_package(scorm12_zip(), course)
    learner, outsider = make_user(), make_user()
    enrol(learner, course)
    enrol(outsider, other_course)
    assert content_origin() != origin_of(app.config["BASE_URL"])
    token = launches.sign(learner.id, item.id, content.id)
    auth = Auth(client)
    auth.login(learner.email)
    # No route of the app's origin serves the package's files, under any address.
    for path in (f"/pkg/{token}/f/lesson/index.html", f"/packages/{content.id}/lesson/index.html",
                 f"/pkg/{token}/"):
        for base in (app.config["BASE_URL"], "http://localhost"):
            response = client.get(path, base_url=base)
            assert response.status_code == 404, (path, base)
            assert b"Finish the lesson" not in response.data
    served = client.get(f"/pkg/{token}/f/lesson/index.html", base_url=content_origin())
    assert served.status_code == 200
    assert b"Finish the lesson" in served.data
    assert "sandbox allow-scripts" in served.headers["Content-Security-Policy"]
    served.close()
    # An outsider's own token opens nothing, and the session API refuses them too.
    theirs = launches.sign(outsider.id, item.id, content.id)
    assert client.get(f"/pkg/{theirs}/f/lesson/index.html",
                      base_url=content_origin()).status_code == 404
    refused = client.post(f"/api/v1/items/{item.id}/runtime", headers=api_headers(outsider),
                          json={"cmi": {"core": {"lesson_status": "passed"}}})
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"
