"""Verification and My certificates in a real browser: axe-core finds no violations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lms.extensions import db
from tests.browser import assert_accessible, log_in
from tests.factories import make_course, make_user

pytestmark = pytest.mark.browser


def test_verification_pages_pass_axe(page, issued):
    valid = issued(member=make_user(certificate_name="Ἀλέξανδρος Παπαδόπουλος"))
    revoked = issued()
    revoked.revoked_at, revoked.revoke_category = datetime.now(UTC), "issued_in_error"
    expired = issued(course=make_course(certificate_valid_months=1))
    db.session.commit()
    for certificate, status in ((valid, "Valid certificate"), (revoked, "Revoked"),
                                (expired, "Expired")):
        page.goto(f"/verify/{certificate.code}")
        page.get_by_text(status).first.wait_for()
        assert_accessible(page)
    page.goto("/verify/K7Q4-M2XD-9F3A-P8TR-5WVE")
    assert_accessible(page)
    page.goto("/verify")
    page.get_by_label("Certificate code").fill(valid.code.lower().replace("-", ""))
    page.get_by_role("button", name="Check").click()
    page.get_by_text("Ἀλέξανδρος Παπαδόπουλος").wait_for()


def test_my_certificates_and_name_request_pass_axe(page, issued):
    member = make_user(email="browser@example.org", certificate_name="李小龍")
    certificate = issued(member=member)
    issued(member=member, course=make_course(certificate_valid_months=1))
    log_in(page, "browser@example.org")
    page.get_by_role("link", name="Certificates").click()
    page.get_by_role("heading", name="My certificates").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name=f"Ask for a name correction on {certificate.course_title}"
                     ).click()
    page.get_by_role("button", name="Send the request").click()  # empty: errors shown
    page.get_by_text("Write the corrected name.").wait_for()
    assert_accessible(page)


def test_staff_pages_pass_axe(page, issued):
    certificate = issued()
    make_user(role="admin", email="staff@example.org")
    log_in(page, "staff@example.org")
    for path in ("/admin/certificates", f"/admin/certificates/{certificate.code}",
                 "/admin/certificates/settings",
                 f"/admin/certificates/courses/{certificate.course_id}/back-issue"):
        page.goto(path)
        assert_accessible(page)
    page.goto("/admin/certificates")
    page.get_by_role("button", name="Build ZIP").click()  # the suite runs the job at once
    page.get_by_role("link", name=f"Download certificates-{certificate.course.slug}.zip").wait_for()
    assert_accessible(page)
