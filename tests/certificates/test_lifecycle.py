"""Revoke, name corrections with reissue and history, expiry reminders, settings."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from lms.certificates.models import Certificate, CertificateSettings, NameChangeRequest
from lms.extensions import db
from lms.storage import get_storage
from tests.factories import api_headers, make_course, make_user


def stored(key: str) -> bytes:
    with get_storage().open(key) as stream:
        return stream.read()


@pytest.mark.parametrize("role, status", [("member", 403), ("instructor", 403), ("admin", 200)])
def test_only_staff_revoke_in_the_api(issued, client, role, status):
    certificate = issued()
    response = client.post(f"/api/v1/certificates/{certificate.code}/revoke",
                           json={"reason": "Duplicate record"},
                           headers=api_headers(make_user(role=role)))
    assert response.status_code == status
    db.session.expire_all()
    assert (db.session.get(Certificate, certificate.id).revoked_at is not None) == (status == 200)


def test_revoke_needs_a_reason_and_a_known_category(issued, client):
    certificate = issued()
    headers = api_headers(make_user(role="admin"))
    url = f"/api/v1/certificates/{certificate.code}/revoke"
    assert client.post(url, json={"reason": " "}, headers=headers).status_code == 422
    assert client.post(url, json={"reason": "x", "category": "bad"},
                       headers=headers).status_code == 422
    assert client.post(url, json={"reason": "x", "category": ["a"]},
                       headers=headers).status_code == 422
    assert client.post(url, json={"reason": "x"}, headers=headers).status_code == 200
    assert client.post(url, json={"reason": "x"}, headers=headers).status_code == 409
    assert client.post(url, json={"reason": "x"}).status_code == 401


def test_staff_revoke_on_the_certificate_page(issued, auth, client):
    certificate = issued()
    make_user(role="admin", email="staff@example.org")
    auth.login("staff@example.org")
    response = auth.post(f"/admin/certificates/{certificate.code}",
                         {"category": "academic_misconduct", "reason": "Plagiarised answers"})
    assert response.status_code == 302
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Revoked" in page and "Academic misconduct" in page


def test_member_asks_for_a_corrected_name_and_staff_reissue_keeping_the_code(
        issued, auth, pypdf_lines):
    member = make_user(email="zoe@example.org", certificate_name="Zoe Orsted")
    certificate = issued(member=member)
    code, first_key = certificate.code, certificate.pdf_key
    auth.login("zoe@example.org")
    response = auth.post(f"/my-certificates/{code}/name",
                         {"requested_name": "Zoë Ørsted-Nguyễn", "note": "Accents and surname"})
    assert response.status_code == 302
    request = db.session.execute(db.select(NameChangeRequest)).scalar_one()
    assert request.status == "pending"
    auth.logout()

    make_user(role="admin", email="staff@example.org")
    auth.login("staff@example.org")
    assert "Zoë Ørsted-Nguyễn" in auth.client.get("/admin/certificates").get_data(as_text=True)
    response = auth.post(f"/admin/certificates/requests/{request.id}", {"decision": "approve"})
    assert response.status_code == 302

    db.session.expire_all()
    certificate = db.session.get(Certificate, certificate.id)
    assert certificate.code == code and certificate.name == "Zoë Ørsted-Nguyễn"
    assert certificate.pdf_version == 2 and certificate.pdf_key != first_key
    assert [(v.version, v.name) for v in certificate.versions] == [
        (1, "Zoe Orsted"), (2, "Zoë Ørsted-Nguyễn")]
    assert "Zoe Orsted" in pypdf_lines(stored(first_key))  # the old version is kept
    assert "Zoë Ørsted-Nguyễn" in pypdf_lines(stored(certificate.pdf_key))
    history = auth.client.get(f"/admin/certificates/{code}").get_data(as_text=True)
    assert "name corrected from" in history and "Zoe Orsted" in history
    verify = auth.client.get(f"/api/v1/verify/{code}").get_json()
    assert verify["name"] == "Zoë Ørsted-Nguyễn"


def test_members_cannot_correct_others_certificates_or_see_history(issued, auth):
    certificate = issued()
    make_user(email="intruder@example.org")
    auth.login("intruder@example.org")
    response = auth.post(f"/my-certificates/{certificate.code}/name",
                         {"requested_name": "Mallory"})
    assert response.status_code == 404
    assert auth.client.get(f"/my-certificates/{certificate.code}/name").status_code == 404
    for path in ("/admin/certificates", f"/admin/certificates/{certificate.code}",
                 "/admin/certificates/settings",
                 f"/admin/certificates/courses/{certificate.course_id}/zip",
                 f"/admin/certificates/courses/{certificate.course_id}/back-issue"):
        assert auth.client.get(path).status_code == 403, path
    assert db.session.scalar(db.select(db.func.count(NameChangeRequest.id))) == 0


def test_rejected_requests_change_nothing(issued, app_ctx):
    from lms.certificates.lifecycle import decide_name_change, request_name_change

    certificate = issued()
    request = request_name_change(certificate.user, certificate.code, "Other Name")
    decide_name_change(make_user(role="admin"), request.id, approve=False)
    db.session.commit()
    assert certificate.name != "Other Name" and certificate.pdf_version == 1


def test_expiry_reminders_go_out_once(issued, runner, mail_server):
    course = make_course(certificate_valid_months=12)
    member = make_user(email="expiring@example.org")
    certificate = issued(member=member, course=course, now=datetime(2024, 6, 1, tzinfo=UTC),
                         completed_at=datetime(2024, 6, 1, tzinfo=UTC))
    assert certificate.expires_on.isoformat() == "2025-06-01"
    mail_server.messages.clear()

    early = runner.invoke(args=["lms", "certificates", "remind-expiring",
                                "--now", "2025-04-01T09:00:00+00:00"])
    assert "sent 0 reminders" in early.output
    for _ in range(2):
        result = runner.invoke(args=["lms", "certificates", "remind-expiring",
                                     "--now", "2025-05-10T09:00:00+00:00"])
    assert "sent 0 reminders" in result.output  # the second run sends nothing
    messages = mail_server.to("expiring@example.org")
    assert [m["Subject"] for m in messages] == ["Your certificate expires soon"]
    text = " ".join(messages[0].get_content().split())
    # What the member can do: retake the course (the link opens My certificates' button).
    assert "is valid until 1 June 2025" in text
    assert "After 1 June 2025 its verification page will say that it has expired" in text
    assert "The CE hours it records stay on your CE transcript" in text
    assert "download the certificate and your CE transcript: http://" in text
    assert "/my-certificates " in text and f"/verify/{certificate.code}" in text
    assert f"Retake the course: http://localhost/my-certificates#retake-{course.id}" in text \
        or f"/my-certificates#retake-{course.id}" in text


def test_settings_page_stores_images_and_new_certificates_use_them(issued, auth, png,
                                                                   pypdf_lines):
    make_user(role="admin", email="staff@example.org")
    auth.login("staff@example.org")
    response = auth.post("/admin/certificates/settings", {
        "org_name": "Library Workers Learning Collective", "signatory_name": "Maria Sánchez",
        "signatory_title": "Director of Education", "page_size": "a4",
        "logo": (io.BytesIO(png("navy")), "logo.png")}, content_type="multipart/form-data")
    assert response.status_code == 302
    row = db.session.get(CertificateSettings, 1)
    assert row.page_size == "a4" and row.logo_key and stored(row.logo_key) == png("navy")

    certificate = issued()
    lines = pypdf_lines(stored(certificate.pdf_key))
    assert "Library Workers Learning Collective" in lines and "Maria Sánchez" in lines
    import pypdf

    box = pypdf.PdfReader(io.BytesIO(stored(certificate.pdf_key))).pages[0].mediabox
    assert round(float(box.width)) == 842  # A4 landscape


@pytest.mark.parametrize("payload", [b"GIF89a" + b"\0" * 20, b"<svg></svg>", b"\x89PNG"[:3]])
def test_settings_refuse_images_that_are_not_png_or_jpeg(app_ctx, auth, payload):
    make_user(role="admin", email="staff@example.org")
    auth.login("staff@example.org")
    response = auth.post("/admin/certificates/settings", {
        "org_name": "Org", "page_size": "letter", "signature": (io.BytesIO(payload), "s.png")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "PNG or JPEG" in response.get_data(as_text=True)
    assert db.session.get(CertificateSettings, 1) is None


def test_settings_refuse_large_images(app_ctx, auth, monkeypatch):
    from lms.certificates import settings

    # A small limit: the test client spools multi-megabyte bodies to unclosed temp files.
    monkeypatch.setattr(settings, "MAX_IMAGE_BYTES", 4096)
    make_user(role="admin", email="staff@example.org")
    auth.login("staff@example.org")
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * 4096
    response = auth.post("/admin/certificates/settings", {
        "org_name": "Org", "page_size": "letter", "logo": (io.BytesIO(big), "l.png")},
        content_type="multipart/form-data")
    assert response.status_code == 422 and "too large" in response.get_data(as_text=True)


def test_staff_back_issue_page_counts_then_issues(app_ctx, auth):
    from tests.factories import enrol

    course = make_course()
    member = make_user()
    enrol(member, course, completed_at=datetime(2024, 1, 1, tzinfo=UTC))
    make_user(role="admin", email="staff@example.org")
    auth.login("staff@example.org")
    page = auth.client.get(f"/admin/certificates/courses/{course.id}/back-issue")
    assert "Issue 1 certificate" in page.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 0
    assert auth.post(f"/admin/certificates/courses/{course.id}/back-issue").status_code == 302
    assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 1
