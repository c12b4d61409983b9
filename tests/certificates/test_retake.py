"""Retakes: a member whose certificate has expired, or is in its renewal window, earns the
next edition; earlier certificates keep their codes, pages and place on the transcript."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from lms.catalog.models import Enrollment, Item, Module
from lms.certificates.models import Certificate
from lms.extensions import db, utcnow
from lms.progress.models import ArchivedProgress, ItemProgress
from tests.factories import api_headers, enrol, make_course, make_item, make_module, make_user


@pytest.fixture
def course(app_ctx):
    return make_course(modules=1, items_per_module=2, certificate_valid_months=24,
                       renewal_window_days=60, title="Weeding the Collection")


def finish(client, member, course) -> None:
    """Mark every item of the course done, as the member's browser would."""
    items = db.session.execute(db.select(Item.id).join(Module).where(
        Module.course_id == course.id)).scalars().all()
    for item_id in items:
        response = client.post(f"/api/v1/items/{item_id}/progress", json={"completed": True},
                               headers=api_headers(member))
        assert response.status_code == 200, response.get_json()


def certificates_of(member, course) -> list[Certificate]:
    db.session.expire_all()
    return list(db.session.execute(db.select(Certificate).where(
        Certificate.user_id == member.id, Certificate.course_id == course.id)
        .order_by(Certificate.edition)).scalars())


def expire_in(certificate: Certificate, days: int) -> None:
    """Time has passed: the certificate now expires ``days`` from today (past if negative)."""
    certificate.expires_on = utcnow().date() + timedelta(days=days)
    db.session.commit()


def retake(client, member, course):
    return client.post(f"/api/v1/courses/{course.id}/retake", headers=api_headers(member))


@pytest.fixture
def certified(complete, course):
    member = make_user(email="renewing@example.org")
    first = complete(member, course)
    assert first is not None and first.edition == 1
    return member, first


def test_refused_while_valid_outside_the_window(client, certified, course):
    member, first = certified
    response = retake(client, member, course)
    assert response.status_code == 409
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert "valid until" in problem["detail"] and "retake the course from" in problem["detail"]
    expire_in(first, 61)  # one day before the window opens
    assert retake(client, member, course).status_code == 409
    assert db.session.get(Enrollment, _enrollment_id(member, course)).edition == 1


def test_allowed_inside_the_renewal_window(client, certified, course):
    member, first = certified
    expire_in(first, 60)
    response = retake(client, member, course)
    assert response.status_code == 201
    assert response.get_json() == {"course_id": course.id, "edition": 2}


def test_refused_without_a_certificate_or_when_it_never_expires(client, complete, course):
    member = make_user()
    assert retake(client, member, course).status_code == 409  # not even enrolled
    forever = make_course(modules=1, items_per_module=1)
    complete(member, forever)
    response = retake(client, member, forever)
    assert response.status_code == 409 and "never expires" in response.get_json()["detail"]
    assert client.post(f"/api/v1/courses/{course.id}/retake").status_code == 401
    assert client.post("/api/v1/courses/999999/retake",
                       headers=api_headers(member)).status_code == 404


def test_after_expiry_progress_starts_afresh_and_edition_2_has_a_new_code(
        client, certified, course, mail_server):
    member, first = certified
    expire_in(first, -1)
    assert retake(client, member, course).status_code == 201
    again = retake(client, member, course)
    assert again.status_code == 409 and "already retaking" in again.get_json()["detail"]

    progress = client.get(f"/api/v1/courses/{course.id}/progress",
                          headers=api_headers(member)).get_json()
    assert progress["percent"] == 0 and progress["completed_at"] is None
    assert {item["status"] for item in progress["items"]} == {"not_started"}
    archived = db.session.execute(db.select(ArchivedProgress).where(
        ArchivedProgress.user_id == member.id)).scalars().all()
    assert len(archived) == 2 and {row.edition for row in archived} == {1}
    assert {row.status for row in archived} == {"completed"}
    assert db.session.scalar(db.select(db.func.count(ItemProgress.id)).where(
        ItemProgress.user_id == member.id)) == 0

    finish(client, member, course)
    first_again, second = certificates_of(member, course)
    assert (first_again.code, first_again.edition) == (first.code, 1)
    assert second.edition == 2 and second.code != first.code and second.pdf_key
    assert second.expires_on > utcnow().date() + timedelta(days=365)
    assert any(second.code in m.get_content() for m in mail_server.to("renewing@example.org"))

    rows = client.get("/api/v1/me/certificates", headers=api_headers(member)).get_json()
    assert sorted((row["code"], row["edition"]) for row in rows["items"]) == sorted(
        [(first.code, 1), (second.code, 2)])


def _enrollment_id(member, course) -> int:
    return db.session.scalar(db.select(Enrollment.id).where(
        Enrollment.user_id == member.id, Enrollment.course_id == course.id))


@pytest.fixture
def two_editions(client, certified, course):
    member, first = certified
    expire_in(first, -1)
    assert retake(client, member, course).status_code == 201
    finish(client, member, course)
    return member, *certificates_of(member, course)


def test_edition_1_verify_page_still_shows_it_as_expired(client, two_editions):
    _member, first, second = two_editions
    page = client.get(f"/verify/{first.code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Weeding the Collection" in html and "expired" in html.lower()
    facts = client.get(f"/api/v1/verify/{first.code}").get_json()
    assert facts["expired"] is True and facts["valid"] is False and facts["revoked"] is False
    assert client.get(f"/api/v1/verify/{second.code}").get_json()["valid"] is True


def test_the_transcript_lists_both_editions(client, two_editions, pypdf_lines):
    member, first, second = two_editions
    text = client.get("/api/v1/me/transcript.csv", headers=api_headers(member)).get_data(
        as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][-1] == "edition"
    assert sorted((row[2], row[4]) for row in rows[1:-1]) == sorted(
        [(first.code, "1"), (second.code, "2")])
    pdf = client.get("/api/v1/me/transcript.pdf", headers=api_headers(member))
    assert pdf.status_code == 200
    lines = pypdf_lines(pdf.data)
    assert first.code in lines and second.code in lines
    assert any("(edition 2)" in line for line in lines)


def test_my_certificates_offers_the_retake_button_only_when_allowed(auth, certified, course):
    member, first = certified
    auth.login(member.email)
    page = auth.client.get("/my-certificates").get_data(as_text=True)
    assert f'id="retake-{course.id}"' not in page and "You can retake this course from" in page
    expire_in(first, 10)
    page = auth.client.get("/my-certificates").get_data(as_text=True)
    assert f'id="retake-{course.id}"' in page
    response = auth.post(f"/my-certificates/retake/{course.id}", {})
    assert response.status_code == 302 and f"/learn/{course.slug}" in response.location
    assert db.session.get(Enrollment, _enrollment_id(member, course)).edition == 2


def test_course_settings_take_the_validity_and_renewal_window(client, app_ctx):
    instructor = make_user(role="instructor")
    course = make_course(instructors=[instructor])
    assert course.renewal_window_days == 60  # the default
    response = client.patch(f"/api/v1/courses/{course.id}", headers=api_headers(instructor),
                            json={"certificate_valid_months": 24, "renewal_window_days": 30})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["certificate_valid_months"], body["renewal_window_days"]) == (24, 30)
    refused = client.patch(f"/api/v1/courses/{course.id}", headers=api_headers(instructor),
                           json={"renewal_window_days": -1})
    assert refused.status_code == 422 and "renewal_window_days" in refused.get_json()["errors"]


def test_the_studio_form_sets_the_renewal_window(auth, app_ctx):
    instructor = make_user(role="instructor", email="studio@example.org")
    course = make_course(instructors=[instructor])
    auth.login("studio@example.org")
    page = auth.client.get(f"/studio/courses/{course.id}").get_data(as_text=True)
    assert "Retake opens this many days before a certificate expires" in page
    form = {"title": course.title, "slug": course.slug, "summary": course.summary,
            "format": "course", "ce_hours": "1.5", "access": "open",
            "certificate_enabled": "y", "certificate_valid_months": "12",
            "renewal_window_days": "45"}
    response = auth.post(f"/studio/courses/{course.id}", form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(type(course), course.id).renewal_window_days == 45


def test_a_retake_gives_the_quiz_a_fresh_attempt_limit(client, app_ctx):
    instructor = make_user(role="instructor")
    course = make_course(instructors=[instructor], certificate_valid_months=12)
    module = make_module(course)
    quiz = make_item(module, kind="quiz", title="Check", body="")
    editor, member = api_headers(instructor), make_user()
    assert client.patch(f"/api/v1/items/{quiz.id}/quiz", json={"max_attempts": 1},
                        headers=editor).status_code == 200
    assert client.post(f"/api/v1/items/{quiz.id}/questions", headers=editor, json={
        "kind": "single", "prompt": "Which class holds history?",
        "choices": [{"text": "900", "correct": True}, {"text": "800"}]}).status_code == 201
    enrol(member, course)

    def pass_quiz() -> int:
        started = client.post(f"/api/v1/items/{quiz.id}/attempts", headers=api_headers(member))
        assert started.status_code == 201, started.get_json()
        attempt = started.get_json()
        question = attempt["questions"][0]
        right = next(c["id"] for c in question["choices"] if c["text"] == "900")
        answers = {str(question["id"]): [right]}
        done = client.post(f"/api/v1/attempts/{attempt['id']}/submit", json={"answers": answers},
                           headers=api_headers(member))
        assert done.get_json()["passed"] is True, done.get_json()
        return attempt["number"]

    assert pass_quiz() == 1
    [first] = certificates_of(member, course)
    used_up = client.post(f"/api/v1/items/{quiz.id}/attempts", headers=api_headers(member))
    assert used_up.status_code == 409
    expire_in(first, -1)
    assert retake(client, member, course).status_code == 201
    history = client.get(f"/api/v1/items/{quiz.id}/attempts", headers=api_headers(member))
    assert history.get_json()["total"] == 0 and history.get_json()["attempts_left"] == 1
    assert pass_quiz() == 2
    assert [c.edition for c in certificates_of(member, course)] == [1, 2]
