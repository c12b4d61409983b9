"""Public verification: only the contract facts, revocation and expiry, tolerant codes, limits."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from lms.extensions import db
from tests.factories import api_headers, make_course, make_user

CONTRACT = {"code", "valid", "revoked", "name", "course_title", "ce_hours", "issued_at",
            "expires_on", "expired", "revoked_at", "revoke_category", "completed_on"}


def test_the_api_answers_exactly_the_contract_fields(issued, client):
    member = make_user(certificate_name="Пётр Чайковский", email="petr@example.org")
    certificate = issued(member=member, course=make_course(title="Linked Data"))
    response = client.get(f"/api/v1/verify/{certificate.code}")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == CONTRACT
    assert body | {"issued_at": None} == {
        "code": certificate.code, "valid": True, "revoked": False, "expired": False,
        "name": "Пётр Чайковский", "course_title": "Linked Data", "ce_hours": 1.5,
        "issued_at": None, "completed_on": "2025-03-12", "expires_on": None,
        "revoked_at": None, "revoke_category": None}
    assert "petr@example.org" not in response.get_data(as_text=True)


def test_the_page_shows_the_facts_and_links_nowhere_private(issued, client):
    certificate = issued(member=make_user(certificate_name="李小龍", email="lee@example.org"))
    response = client.get(f"/verify/{certificate.code}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for text in ("Valid certificate", "李小龍", certificate.course_title,
                 "1.5 CE hours (0.15 CEU)", "12 March 2025", certificate.code):
        assert text in html
    assert "lee@example.org" not in html
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    links = re.findall(r'href="([^"]+)"', main)
    code = certificate.code
    assert links[:2] == [f"/credentials/{code}.jwt", f"/credentials/{code}.json"]
    assert links[2].startswith("https://www.linkedin.com/profile/add?") and len(links) == 3
    assert ".pdf" not in main and "/admin" not in main


@pytest.mark.parametrize("typed", ["lower", "no-dashes", "spaces"])
def test_lookups_tolerate_case_and_missing_dashes(issued, client, typed):
    code = issued().code
    variant = {"lower": code.lower(), "no-dashes": code.replace("-", ""),
               "spaces": code.replace("-", " ")}[typed]
    assert client.get(f"/api/v1/verify/{variant}").get_json()["code"] == code
    assert client.get(f"/verify/{variant}").status_code == 200


@pytest.mark.parametrize("code", ["K7Q4-M2XD-9F3A-P8TR-5WVE", "not-a-code", "x" * 300])
def test_unknown_codes_are_404(app_ctx, client, code):
    response = client.get(f"/api/v1/verify/{code}")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert client.get(f"/verify/{code}").status_code == 404


def test_revocation_shows_in_the_api_and_on_the_page(issued, client):
    certificate = issued()
    admin = make_user(role="admin")
    response = client.post(f"/api/v1/certificates/{certificate.code}/revoke",
                           json={"reason": "Attendance was recorded for the wrong member.",
                                 "category": "issued_in_error"}, headers=api_headers(admin))
    assert response.status_code == 200
    body = client.get(f"/api/v1/verify/{certificate.code}").get_json()
    assert body["valid"] is False and body["revoked"] is True
    assert body["revoke_category"] == "issued_in_error" and body["revoked_at"]
    html = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Revoked" in html and "Issued in error" in html
    assert "wrong member" not in html  # the free-text reason is for staff only


def test_expiry_shows_in_the_api_and_on_the_page(issued, client):
    course = make_course(certificate_valid_months=24)
    certificate = issued(course=course, now=datetime(2020, 1, 31, tzinfo=UTC),
                         completed_at=datetime(2020, 1, 31, tzinfo=UTC))
    assert certificate.expires_on == date(2022, 1, 31)
    body = client.get(f"/api/v1/verify/{certificate.code}").get_json()
    assert body["expired"] is True and body["valid"] is False and body["revoked"] is False
    assert body["expires_on"] == "2022-01-31"
    html = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Expired" in html and "31 January 2022" in html


def test_an_unexpired_certificate_shows_its_end_date(issued, client):
    now = datetime.now(UTC)
    certificate = issued(course=make_course(certificate_valid_months=12), now=now,
                         completed_at=now)
    body = client.get(f"/api/v1/verify/{certificate.code}").get_json()
    assert body["valid"] is True and body["expires_on"] is not None
    assert "Valid until" in client.get(f"/verify/{certificate.code}").get_data(as_text=True)


def test_verification_is_rate_limited(app, issued, client):
    code = issued().code
    app.config["CERTIFICATE_VERIFY_LIMIT"] = "5/minute"
    try:
        statuses = [client.get(f"/api/v1/verify/{code}").status_code for _ in range(5)]
        limited = client.get(f"/verify/{code}")  # the page and the API share one limit
        api = client.get(f"/api/v1/verify/{code}")
    finally:
        app.config.pop("CERTIFICATE_VERIFY_LIMIT")
    assert statuses == [200] * 5
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert api.status_code == 429 and api.mimetype == "application/problem+json"


def test_verification_works_when_storage_is_down(issued, client, monkeypatch):
    from lms.storage import StorageUnavailable, get_storage

    certificate = issued()

    def down(*args, **kwargs):
        raise StorageUnavailable("down")

    monkeypatch.setattr(get_storage(), "open", down)
    assert client.get(f"/api/v1/verify/{certificate.code}").status_code == 200
    assert db.session.get(type(certificate), certificate.id) is not None
