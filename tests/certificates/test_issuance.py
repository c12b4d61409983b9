"""Issuance through the real flow: completion → certificate, PDF stored once, mail sent."""

from __future__ import annotations

import io
import shutil
import subprocess
from decimal import Decimal

import pytest

from lms.certificates.models import Certificate, CertificateVersion
from lms.extensions import db
from lms.storage import get_storage
from tests.factories import make_course, make_user

NAMES = ["Zoë Ørsted-Nguyễn", "Ἀλέξανδρος Παπαδόπουλος", "Пётр Чайковский", "李小龍"]


def stored_pdf(certificate: Certificate) -> bytes:
    with get_storage().open(certificate.pdf_key) as stream:
        return stream.read()


@pytest.mark.parametrize("name", NAMES)
def test_completing_a_course_issues_a_pdf_with_exactly_the_snapshot(
        name, complete, auth, pypdf_lines):
    member = make_user(email="learner@example.org", certificate_name=name)
    course = make_course(modules=1, items_per_module=2, ce_hours=Decimal("1.5"),
                         title="Cataloguing for Everyone: An Introduction to RDA")
    certificate = complete(member, course)
    assert certificate is not None and certificate.pdf_key

    auth.login("learner@example.org")
    response = auth.client.get(f"/certificates/{certificate.code}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    lines = pypdf_lines(response.data)
    assert name in lines
    assert "Cataloguing for Everyone: An Introduction to RDA" in lines
    assert "1.5 CE hours (0.15 CEU)" in lines
    assert f"Certificate code {certificate.code}" in lines


def test_the_qr_code_decodes_to_the_verification_url(complete, tmp_path, app):
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        pytest.skip("pdftoppm and zbarimg are needed")
    certificate = complete(make_user(), make_course(modules=1, items_per_module=1))
    (tmp_path / "c.pdf").write_bytes(stored_pdf(certificate))
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(tmp_path / "c.pdf"),
                    str(tmp_path / "c")], check=True)
    decoded = subprocess.run(["zbarimg", "--raw", "-q", str(tmp_path / "c.png")],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert decoded == f"{app.config['BASE_URL']}/verify/{certificate.code}"


def test_the_member_is_mailed_a_link(complete, mail_server):
    member = make_user(email="mail-me@example.org")
    certificate = complete(member, make_course(modules=1, items_per_module=1))
    messages = mail_server.to("mail-me@example.org")
    assert [m["Subject"] for m in messages] == ["Your certificate is ready"]
    body = messages[0].get_content()
    assert f"/certificates/{certificate.code}.pdf" in body
    assert f"/verify/{certificate.code}" in body


def test_snapshot_keeps_course_instructors_and_evidence(complete):
    teacher = make_user(certificate_name="Ada Lovelace")
    course = make_course(instructors=[teacher], modules=1, items_per_module=1,
                         presenters="Grace Hopper\n", format="webinar", certificate_valid_months=24)
    certificate = complete(make_user(), course)
    assert certificate.instructors == ["Ada Lovelace"]
    assert certificate.presenters == ["Grace Hopper"]
    assert certificate.format == "webinar"
    assert certificate.expires_on is not None
    assert certificate.evidence["available"] is True
    assert certificate.evidence["videos"] == [] and certificate.evidence["best_quiz_score"] is None
    assert [v.reason for v in certificate.versions] == ["issued"]


def test_no_certificate_when_the_course_has_them_off(complete, mail_server):
    member = make_user()
    assert complete(member, make_course(modules=1, items_per_module=1,
                                        certificate_enabled=False)) is None
    assert mail_server.to(member.email) == []


def test_issuing_again_returns_the_same_certificate(issued):
    from lms.catalog.models import Enrollment
    from lms.certificates.issuance import issue_certificate

    first = issued()
    enrollment = db.session.execute(db.select(Enrollment).where(
        Enrollment.user_id == first.user_id)).scalar_one()
    again = issue_certificate(first.user, first.course, enrollment)
    db.session.commit()
    assert again.id == first.id and again.code == first.code
    assert db.session.scalar(db.select(db.func.count(CertificateVersion.id))) == 1


def test_later_course_edits_change_no_issued_certificate(complete, client, auth):
    member = make_user(email="keep@example.org")
    course = make_course(modules=1, items_per_module=1, title="Original title",
                         ce_hours=Decimal("2"))
    certificate = complete(member, course)
    before_api = client.get(f"/api/v1/verify/{certificate.code}").get_json()
    before_pdf = stored_pdf(certificate)
    course.title, course.ce_hours = "Renamed course", Decimal("7.5")
    member.certificate_name = "Someone Else"
    db.session.commit()

    after_api = client.get(f"/api/v1/verify/{certificate.code}").get_json()
    assert after_api == before_api
    assert after_api["course_title"] == "Original title" and after_api["ce_hours"] == 2.0
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Original title" in page and "Renamed course" not in page
    auth.login("keep@example.org")
    assert auth.client.get(f"/certificates/{certificate.code}.pdf").data == before_pdf


def test_storage_down_keeps_the_certificate_and_render_missing_stores_it(
        issued, runner, monkeypatch):
    from lms.storage import StorageUnavailable

    storage = get_storage()

    def down(*args, **kwargs):
        raise StorageUnavailable("down")

    monkeypatch.setattr(storage, "save", down)
    certificate = issued()
    assert certificate.pdf_key is None and certificate.pdf_version == 0
    monkeypatch.undo()

    result = runner.invoke(args=["lms", "certificates", "render-missing"])
    assert result.exit_code == 0, result.output
    assert "stored 1 PDF" in result.output
    db.session.expire_all()
    certificate = db.session.get(Certificate, certificate.id)
    assert certificate.pdf_key and certificate.pdf_version == 1
    assert stored_pdf(certificate).startswith(b"%PDF")


def test_a_rolled_back_issue_leaves_no_stored_object(app_ctx):
    from datetime import UTC, datetime

    from lms.certificates.issuance import issue_certificate
    from tests.factories import enrol

    member, course = make_user(), make_course()
    enrollment = enrol(member, course, completed_at=datetime(2025, 1, 2, tzinfo=UTC))
    certificate = issue_certificate(member, course, enrollment)
    key = certificate.pdf_key
    assert get_storage().head(key) is not None
    db.session.rollback()
    assert get_storage().head(key) is None
    assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 0


def test_back_issue_counts_first_then_issues(app_ctx, runner, mail_server):
    from datetime import UTC, datetime

    from tests.factories import enrol

    make_user(role="admin", email="staff@example.org")
    course = make_course(certificate_enabled=False)
    members = [make_user() for _ in range(3)]
    for member in members[:2]:
        enrol(member, course, completed_at=datetime(2024, 5, 1, tzinfo=UTC))
    enrol(members[2], course)  # not complete
    course.certificate_enabled = True
    db.session.commit()

    dry = runner.invoke(args=["lms", "certificates", "back-issue", str(course.id),
                              "--as", "staff@example.org"])
    assert "would issue 2 certificates" in dry.output
    assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 0
    real = runner.invoke(args=["lms", "certificates", "back-issue", str(course.id),
                               "--as", "staff@example.org", "--issue"])
    assert "issued 2 certificates" in real.output, real.output
    assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 2
    assert len(mail_server.to(members[0].email)) == 1
    again = runner.invoke(args=["lms", "certificates", "back-issue", str(course.id),
                                "--as", "staff@example.org"])
    assert "would issue 0 certificates" in again.output


def test_switching_certificates_on_back_issues(app_ctx, client):
    from datetime import UTC, datetime

    from tests.factories import api_headers, enrol

    admin = make_user(role="admin")
    course = make_course(certificate_enabled=False)
    member = make_user()
    enrol(member, course, completed_at=datetime(2024, 5, 1, tzinfo=UTC))
    response = client.patch(f"/api/v1/courses/{course.id}",
                            json={"certificate_enabled": True}, headers=api_headers(admin))
    if response.status_code == 404:
        pytest.skip("catalog's course update endpoint is not there")
    assert response.status_code == 200, response.get_json()
    db.session.expire_all()
    certificate = db.session.execute(db.select(Certificate)).scalar_one()
    assert certificate.user_id == member.id and certificate.pdf_key
    assert certificate.completed_on.isoformat() == "2024-05-01"


def test_back_issue_is_for_editors_and_staff(app_ctx, client):
    from tests.factories import api_headers

    course = make_course()
    response = client.post(f"/api/v1/courses/{course.id}/certificates/back-issue",
                           json={"dry_run": True}, headers=api_headers(make_user()))
    assert response.status_code == 403
    admin = make_user(role="admin")
    response = client.post(f"/api/v1/courses/{course.id}/certificates/back-issue",
                           json={"dry_run": True}, headers=api_headers(admin))
    assert response.get_json() == {"course_id": course.id, "dry_run": True, "count": 0}


def test_pdf_checksum_matches_the_stored_bytes(issued):
    import hashlib

    certificate = issued()
    assert hashlib.sha256(stored_pdf(certificate)).hexdigest() == certificate.pdf_checksum
    assert io.BytesIO(stored_pdf(certificate)).read(4) == b"%PDF"
