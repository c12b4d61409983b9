"""Enrolment: open, members and code courses; idempotence; the enrolment window; the signal."""

from datetime import UTC, datetime, timedelta

import pytest

from lms import signals
from lms.catalog.enrolment import CODE_USED, create_codes, enrol
from lms.catalog.models import Enrollment
from lms.errors import Conflict, NotFound, Unauthorized, ValidationError
from lms.extensions import db
from tests.factories import api_headers, make_course, make_user

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def admin(app_ctx):
    return make_user(role="admin", email="staff@example.org")


def enrolments(course) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(Enrollment)
                              .where(Enrollment.course_id == course.id)).scalar_one()


@pytest.mark.parametrize("access", ["open", "members"])
def test_members_enrol_in_open_and_members_courses_on_click(app_ctx, access):
    member, course = make_user(), make_course(access=access)
    enrollment, created = enrol(member, course, now=NOW)
    assert created and enrollment.enrolled_at == NOW and enrollment.access_ends_at is None


@pytest.mark.parametrize("access", ["open", "members", "code"])
def test_anonymous_visitors_cannot_enrol(app_ctx, access):
    with pytest.raises(Unauthorized):
        enrol(None, make_course(access=access))


def test_enrolling_twice_returns_the_same_enrolment(app_ctx):
    member, course = make_user(), make_course()
    first, created = enrol(member, course)
    again, created_again = enrol(member, course)
    assert created and not created_again and again.id == first.id
    assert enrolments(course) == 1


def test_enrolment_window_sets_when_access_ends(app_ctx):
    member, course = make_user(), make_course(enrol_window_days=540)
    enrollment, _ = enrol(member, course, now=NOW)
    assert enrollment.access_ends_at == NOW + timedelta(days=540)


@pytest.mark.parametrize("status, error", [("draft", NotFound), ("archived", NotFound)])
def test_unpublished_courses_cannot_be_enrolled_in(app_ctx, status, error):
    with pytest.raises(error):
        enrol(make_user(), make_course(status=status))


def test_editors_previewing_a_draft_cannot_enrol(app_ctx):
    teacher = make_user(role="instructor")
    with pytest.raises(Conflict):
        enrol(teacher, make_course(status="draft", instructors=[teacher]))


def test_a_new_enrolment_sends_member_enrolled_once(app_ctx):
    member, course = make_user(), make_course()
    received = []

    def receiver(sender, **kwargs):
        received.append((sender, kwargs["user"].id, kwargs["enrollment"].course_id))

    with signals.member_enrolled.connected_to(receiver):
        enrol(member, course, now=NOW)
        enrol(member, course, now=NOW)
    assert received == [(course.id, member.id, course.id)]


# Signup codes --------------------------------------------------------------------------


def test_code_courses_need_a_code(app_ctx, admin):
    course = make_course(access="code")
    with pytest.raises(ValidationError) as caught:
        enrol(make_user(), course)
    assert "code" in caught.value.errors


def test_a_code_enrols_one_member_and_is_then_used_up(app_ctx, admin):
    course = make_course(access="code")
    [code] = create_codes(admin, course, 1, "Springfield PL")
    db.session.commit()
    first, second = make_user(), make_user()
    enrollment, created = enrol(first, course, code.code.lower().replace("-", " "), now=NOW)
    db.session.commit()
    assert created and enrollment.signup_code_id == code.id
    assert code.redeemed_by_id == first.id and code.redeemed_at == NOW
    with pytest.raises(Conflict) as caught:
        enrol(second, course, code.code)
    assert caught.value.errors == {"code": [CODE_USED]}
    assert "already been used" in CODE_USED
    db.session.rollback()
    assert enrolments(course) == 1


def test_an_enrolled_member_reusing_their_code_is_simply_enrolled(app_ctx, admin):
    course = make_course(access="code")
    [code] = create_codes(admin, course, 1)
    member = make_user()
    enrol(member, course, code.code)
    _, created = enrol(member, course, code.code)
    assert not created


def test_a_code_of_another_course_is_refused(app_ctx, admin):
    course, other = make_course(access="code"), make_course(access="code")
    [code] = create_codes(admin, other, 1)
    with pytest.raises(ValidationError) as caught:
        enrol(make_user(), course, code.code)
    assert "not valid for this course" in caught.value.errors["code"][0]
    with pytest.raises(ValidationError):
        enrol(make_user(), course, "NOPE-NOPE-NOPE")


def test_enrol_form_on_the_course_page(client, auth, admin):
    course = make_course(access="code", title="Grant writing")
    [code] = create_codes(admin, course, 1)
    db.session.commit()
    make_user(email="first@example.org")
    make_user(email="second@example.org")
    auth.login("first@example.org")
    html = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert 'name="code"' in html and 'name="csrf_token"' in html
    response = auth.post(f"/courses/{course.slug}/enrol", {"code": code.code})
    assert response.status_code == 302
    assert "You are enrolled in Grant writing." in client.get(
        f"/courses/{course.slug}").get_data(as_text=True)
    auth.logout()
    auth.login("second@example.org")
    refused = auth.post(f"/courses/{course.slug}/enrol", {"code": code.code})
    assert refused.status_code == 409
    assert "This signup code has already been used." in refused.get_data(as_text=True)
    assert enrolments(course) == 1


def test_enrol_form_needs_login_and_csrf(client, auth, app_ctx):
    course = make_course()
    assert client.post(f"/courses/{course.slug}/enrol").status_code == 400  # no CSRF token
    to_login = auth.post(f"/courses/{course.slug}/enrol")
    assert to_login.status_code == 302 and "/login" in to_login.headers["Location"]
    make_user(email="m@example.org")
    auth.login("m@example.org")
    assert client.post(f"/courses/{course.slug}/enrol").status_code == 400
    assert enrolments(course) == 0
    assert auth.post(f"/courses/{course.slug}/enrol").status_code == 302
    assert enrolments(course) == 1


# API -----------------------------------------------------------------------------------


def test_api_enrol_is_201_then_200(client, app_ctx):
    member, course = make_user(), make_course()
    headers = api_headers(member)
    first = client.post(f"/api/v1/courses/{course.id}/enrollment", headers=headers)
    again = client.post(f"/api/v1/courses/{course.id}/enrollment", headers=headers, json={})
    assert (first.status_code, again.status_code) == (201, 200)
    body = first.get_json()
    assert body["course_id"] == course.id and body["completed_at"] is None
    assert body["enrolled_at"].endswith("+00:00")
    assert again.get_json()["enrolled_at"] == body["enrolled_at"]


def test_api_enrol_with_a_code(client, admin):
    course = make_course(access="code")
    [code] = create_codes(admin, course, 1)
    db.session.commit()
    url = f"/api/v1/courses/{course.id}/enrollment"
    missing = client.post(url, headers=api_headers(make_user()))
    assert missing.status_code == 422 and "code" in missing.get_json()["errors"]
    ok = client.post(url, headers=api_headers(make_user()), json={"code": code.code})
    used = client.post(url, headers=api_headers(make_user()), json={"code": code.code})
    assert ok.status_code == 201
    assert used.status_code == 409 and used.get_json()["errors"]["code"] == [CODE_USED]


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_api_enrol_in_unpublished_course_is_404(client, app_ctx, status):
    course = make_course(status=status)
    response = client.post(f"/api/v1/courses/{course.id}/enrollment",
                           headers=api_headers(make_user()))
    assert response.status_code == 404


def test_api_enrol_needs_a_member(client, app_ctx):
    course = make_course()
    assert client.post(f"/api/v1/courses/{course.id}/enrollment").status_code == 401


def test_api_enrol_rejects_a_malformed_body(client, app_ctx):
    course = make_course()
    headers = api_headers(make_user()) | {"Content-Type": "application/json"}
    response = client.post(f"/api/v1/courses/{course.id}/enrollment", headers=headers,
                           data="[1, 2")
    assert response.status_code == 400
    wrong_type = client.post(f"/api/v1/courses/{course.id}/enrollment",
                             headers=headers, json={"code": 12})
    assert wrong_type.status_code == 422
