"""Downloads for the member and staff only; my certificates; the CE transcript (PDF and CSV)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pypdf
import pytest

from lms.certificates.issuance import issue_certificate
from lms.extensions import db
from tests.factories import api_headers, enrol, make_course, make_user


@pytest.mark.parametrize("who, status", [("owner", 200), ("admin", 200), ("other", 404),
                                         ("instructor", 404)])
def test_who_may_download(issued, auth, who, status):
    owner = make_user(email="owner@example.org")
    teacher = make_user(role="instructor", email="instructor@example.org")
    course = make_course(instructors=[teacher])
    certificate = issued(member=owner, course=course)
    make_user(role="admin", email="admin@example.org")
    make_user(email="other@example.org")
    auth.login(f"{who}@example.org")
    response = auth.client.get(f"/certificates/{certificate.code}.pdf")
    assert response.status_code == status
    if status == 200:
        assert response.data.startswith(b"%PDF")


def test_anonymous_is_sent_to_log_in(issued, client):
    certificate = issued()
    response = client.get(f"/certificates/{certificate.code}.pdf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert not response.data.startswith(b"%PDF")


def test_unknown_code_is_404(app_ctx, auth):
    make_user(email="someone@example.org")
    auth.login("someone@example.org")
    assert auth.client.get("/certificates/K7Q4-M2XD-9F3A-P8TR-5WVE.pdf").status_code == 404


def test_download_headers_and_revalidation(issued, auth):
    certificate = issued(member=make_user(email="dl@example.org"))
    auth.login("dl@example.org")
    response = auth.client.get(f"/certificates/{certificate.code}.pdf")
    assert response.headers["ETag"] == f'"{certificate.pdf_checksum}"'
    assert "private" in response.headers["Cache-Control"]
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"certificate-{certificate.code}.pdf" in disposition
    again = auth.client.get(f"/certificates/{certificate.code}.pdf",
                            headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_downloading_never_renders(issued, auth, monkeypatch):
    from lms.certificates import issuance

    certificate = issued(member=make_user(email="norender@example.org"))

    def boom(*args, **kwargs):
        raise AssertionError("rendered on download")

    monkeypatch.setattr(issuance, "render_certificate", boom)
    auth.login("norender@example.org")
    assert auth.client.get(f"/certificates/{certificate.code}.pdf").status_code == 200


def test_my_certificates_api_lists_mine_only(issued, client, app):
    member = make_user()
    mine = issued(member=member, course=make_course(title="Mine"))
    issued(course=make_course(title="Someone else's"))
    body = client.get("/api/v1/me/certificates", headers=api_headers(member)).get_json()
    base = app.config["BASE_URL"]
    assert body["total"] == 1
    item = body["items"][0]
    assert {k: item[k] for k in ("code", "course_id", "course_title", "ce_hours", "pdf_url",
                                 "verify_url")} == {
        "code": mine.code, "course_id": mine.course_id, "course_title": "Mine", "ce_hours": 1.5,
        "pdf_url": f"{base}/certificates/{mine.code}.pdf",
        "verify_url": f"{base}/verify/{mine.code}"}
    assert item["issued_at"].startswith("2025-03-12")
    assert client.get("/api/v1/me/certificates").status_code == 401


def test_my_certificates_page_links_downloads(issued, auth):
    member = make_user(email="page@example.org")
    certificate = issued(member=member)
    auth.login("page@example.org")
    html = auth.client.get("/my-certificates").get_data(as_text=True)
    assert f"/certificates/{certificate.code}.pdf" in html
    assert f"/verify/{certificate.code}" in html
    assert 'action="/api/v1/me/transcript.pdf"' in html


def _many(member, count: int) -> list:
    """``count`` certificates, completed a day apart, hours 0.25 … varied."""
    start = datetime(2020, 1, 1, 12, tzinfo=UTC)
    certificates = []
    for n in range(count):
        course = make_course(title=f"Course number {n:03d}",
                             ce_hours=Decimal(n % 4 + 1) / Decimal(4))
        when = start + timedelta(days=n)
        enrollment = enrol(member, course, completed_at=when)
        certificates.append(issue_certificate(member, course, enrollment, now=when))
    db.session.commit()
    return certificates


def test_a_120_certificate_transcript_paginates_totals_and_lists_every_row(
        app_ctx, client, monkeypatch):
    from lms.certificates import issuance

    monkeypatch.setattr(issuance, "pdf_settings_or_none", lambda: None)  # rows only: faster
    member = make_user(certificate_name="Zoë Ørsted-Nguyễn")
    certificates = _many(member, 120)
    response = client.get("/api/v1/me/transcript.pdf", headers=api_headers(member))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) > 2
    text = "\n".join(page.extract_text() for page in reader.pages)
    for certificate in certificates:
        assert certificate.code in text
        assert certificate.course_title in text
    total = sum(c.ce_hours for c in certificates)
    assert total == Decimal("75")
    assert "Total: 75 CE hours (7.5 CEU)" in text
    assert f"Page {len(reader.pages)}" in text


def test_transcript_period_and_csv(app_ctx, client, monkeypatch):
    from lms.certificates import issuance

    monkeypatch.setattr(issuance, "pdf_settings_or_none", lambda: None)
    member = make_user()
    _many(member, 10)  # 1–10 January 2020
    response = client.get("/api/v1/me/transcript.csv?from=2020-01-03&to=2020-01-05",
                          headers=api_headers(member))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["completed_on", "course_title", "code", "ce_hours", "edition"]
    assert [row[0] for row in rows[1:-1]] == ["2020-01-03", "2020-01-04", "2020-01-05"]
    assert rows[-1][1] == "Total" and Decimal(rows[-1][3]) == Decimal("2")
    same = client.get("/api/v1/me/transcript.pdf?format=csv&from=2020-01-03&to=2020-01-05",
                      headers=api_headers(member))
    assert same.get_data(as_text=True) == response.get_data(as_text=True)


def test_csv_cells_that_look_like_formulas_are_neutralised(issued, client):
    member = make_user()
    issued(member=member, course=make_course(title="=HYPERLINK(\"http://evil\")"))
    issued(member=member, course=make_course(title="@SUM(A1)"))
    text = client.get("/api/v1/me/transcript.csv", headers=api_headers(member)).get_data(
        as_text=True)
    titles = [row[1] for row in csv.reader(io.StringIO(text))][1:-1]
    assert titles == ["'=HYPERLINK(\"http://evil\")", "'@SUM(A1)"]


@pytest.mark.parametrize("query", ["from=yesterday", "to=2020-13-01",
                                   "from=2021-01-02&to=2021-01-01"])
def test_bad_dates_are_400(app_ctx, client, query):
    member = make_user()
    for kind in ("pdf", "csv"):
        response = client.get(f"/api/v1/me/transcript.{kind}?{query}",
                              headers=api_headers(member))
        assert response.status_code == 400
        assert response.mimetype == "application/problem+json"


def test_revoked_certificates_leave_the_transcript(issued, client):
    member = make_user()
    kept = issued(member=member)
    gone = issued(member=member)
    gone.revoked_at = datetime.now(UTC)
    db.session.commit()
    text = client.get("/api/v1/me/transcript.csv", headers=api_headers(member)).get_data(
        as_text=True)
    assert kept.code in text and gone.code not in text
    assert date(2025, 3, 12).isoformat() in text


def test_back_issue_refuses_a_body_that_is_not_an_object(client, app_ctx):
    from tests.factories import api_headers, make_course, make_user

    admin = make_user(role="admin")
    course = make_course()
    response = client.post(f"/api/v1/courses/{course.id}/certificates/back-issue",
                           headers=api_headers(admin), json="x")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
