"""Self-reported credits: pending until staff decide, validated, evidence kept private."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from lms.extensions import db
from lms.ledger import external
from tests.factories import api_headers, make_user
from tests.ledger.conftest import credits_of

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def body(**over) -> dict:
    return {"title": "State library conference", "provider": "Texas Library Association",
            "credit_type": "ce-hours", "amount": 3, "earned_on": "2026-01-01"} | over


@pytest.fixture
def member(app_ctx, ce_hours):
    return make_user()


def add(client, user, **over):
    return client.post("/api/v1/me/credits", json=body(**over), headers=api_headers(user))


def test_a_reported_credit_is_pending_and_never_counts(client, member) -> None:
    response = add(client, member)
    assert response.status_code == 201, response.get_json()
    credit = response.get_json()
    assert credit["status"] == "pending" and credit["source"] == "external"
    assert credit["amount"] == 3 and credit["earned_on"] == "2026-01-01"
    mine = client.get("/api/v1/me/credits", headers=api_headers(member)).get_json()
    assert [c["id"] for c in mine["items"]] == [credit["id"]] and mine["totals"] == {}


@pytest.mark.parametrize(("amount", "ok"), [
    (0, False), (-1, False), ("abc", False), (100.01, False), (101, False), (1.005, False),
    (True, False), (None, False), (0.25, True), (100, True), ("1.5", True)])
def test_amounts_must_be_positive_and_at_most_100(client, member, amount, ok) -> None:
    response = add(client, member, amount=amount)
    assert response.status_code == (201 if ok else 422), response.get_json()
    if not ok:
        assert "amount" in response.get_json()["errors"]


def test_the_date_may_not_be_in_the_future_of_the_members_own_day(
        client, app_ctx, ce_hours, monkeypatch) -> None:
    """11:00 UTC on 1 January is already 2 January in Kiritimati (UTC+14)."""
    monkeypatch.setattr(external, "utcnow", lambda: datetime(2026, 1, 1, 11, 0, tzinfo=UTC))
    kiritimati, london = make_user(time_zone="Pacific/Kiritimati"), make_user()
    assert add(client, kiritimati, earned_on="2026-01-02").status_code == 201
    refused = add(client, london, earned_on="2026-01-02")
    assert refused.status_code == 422 and "earned_on" in refused.get_json()["errors"]
    assert add(client, london, earned_on="2026-01-01").status_code == 201
    assert add(client, london, earned_on="01/01/2026").status_code == 422


@pytest.mark.parametrize("field", ["title", "provider"])
@pytest.mark.parametrize("value", ["", "   ", "x" * 201, "Evil\u202eTLA", None])
def test_title_and_provider_follow_the_text_rules(client, member, field, value) -> None:
    response = add(client, member, **{field: value})
    assert response.status_code == 422 and field in response.get_json()["errors"]
    assert credits_of(member.id) == []


def test_unknown_credit_type_is_refused(client, member) -> None:
    response = add(client, member, credit_type="no-such-type")
    assert response.status_code == 422 and "credit_type" in response.get_json()["errors"]


def test_review_is_for_staff_only_and_the_member_is_emailed(client, member, mail_server) -> None:
    credit = add(client, member).get_json()
    other = make_user()
    refused = client.post(f"/api/v1/credits/{credit['id']}/review",
                          json={"decision": "approve"}, headers=api_headers(member))
    assert refused.status_code == 403
    assert client.post(f"/api/v1/credits/{credit['id']}/review", json={"decision": "approve"},
                       headers=api_headers(other)).status_code == 403
    admin = make_user(role="admin")
    response = client.post(f"/api/v1/credits/{credit['id']}/review",
                           json={"decision": "approve", "note": "Thanks for the certificate"},
                           headers=api_headers(admin))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "approved"
    mine = client.get("/api/v1/me/credits", headers=api_headers(member)).get_json()
    assert mine["totals"] == {"ce-hours": 3}
    [mail] = mail_server.to(member.email)
    assert "approved" in mail["Subject"] and "Thanks for the certificate" in mail.get_content()


def test_rejected_credits_do_not_count_and_the_note_reaches_the_member(
        client, member, mail_server) -> None:
    credit = add(client, member).get_json()
    admin = make_user(role="admin")
    response = client.post(f"/api/v1/credits/{credit['id']}/review",
                           json={"decision": "reject", "note": "No evidence of attendance"},
                           headers=api_headers(admin))
    assert response.get_json()["status"] == "rejected"
    assert response.get_json()["review_note"] == "No evidence of attendance"
    assert client.get("/api/v1/me/credits", headers=api_headers(member)).get_json()[
        "totals"] == {}
    assert "not approved" in mail_server.to(member.email)[0]["Subject"]
    bad = client.post(f"/api/v1/credits/{credit['id']}/review", json={"decision": "maybe"},
                      headers=api_headers(admin))
    assert bad.status_code == 422


def test_certificate_credits_are_not_reviewed(client, issue, ce_hours) -> None:
    member, admin = make_user(), make_user(role="admin")
    issue(member=member)
    [credit] = credits_of(member.id)
    response = client.post(f"/api/v1/credits/{credit.id}/review", json={"decision": "reject"},
                           headers=api_headers(admin))
    assert response.status_code == 409


def upload(client, user, data: bytes = PDF, name: str = "attendance.pdf"):
    return client.post("/api/v1/me/credit-evidence", headers=api_headers(user),
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_evidence_is_readable_by_its_member_and_staff_only(client, member) -> None:
    uploaded = upload(client, member)
    assert uploaded.status_code == 201, uploaded.get_json()
    media_id = uploaded.get_json()["id"]
    credit = add(client, member, evidence_media_id=media_id)
    assert credit.status_code == 201 and credit.get_json()["evidence_media_id"] == media_id
    url = f"/api/v1/media/{media_id}/content"
    assert fetch(client, url, member) == (200, PDF)
    assert fetch(client, url, make_user(role="admin")) == (200, PDF)
    assert fetch(client, url, make_user())[0] == 404
    assert fetch(client, url, make_user(role="instructor"))[0] == 404


def fetch(client, url: str, user) -> tuple[int, bytes]:
    response = client.get(url, headers=api_headers(user))
    try:
        return response.status_code, response.data
    finally:
        response.close()


def test_evidence_must_be_a_pdf_or_image_of_ones_own(client, member) -> None:
    assert upload(client, member, b"WEBVTT\n\n", "notes.vtt").status_code == 415
    assert upload(client, member, b"not a pdf at all", "fake.pdf").status_code == 415
    someone_elses = upload(client, make_user()).get_json()["id"]
    response = add(client, member, evidence_media_id=someone_elses)
    assert response.status_code == 422 and "evidence_media_id" in response.get_json()["errors"]


def test_bulk_approve_from_the_review_queue(client, auth, member, mail_server) -> None:
    ids = [add(client, member, title=f"Workshop {n}").get_json()["id"] for n in range(3)]
    admin = make_user(role="admin")
    auth.login(admin.email)
    page = client.get("/admin/credits?status=pending")
    assert page.status_code == 200 and "Workshop 2" in page.get_data(as_text=True)
    response = auth.post("/admin/credits/approve", {"credit_id": [str(i) for i in ids[:2]]})
    assert response.status_code == 303
    statuses = sorted(c.status for c in credits_of(member.id))
    assert statuses == ["approved", "approved", "pending"]
    assert len(mail_server.to(member.email)) == 2
    filtered = client.get("/admin/credits?status=approved&q=workshop 1").get_data(as_text=True)
    assert "Workshop 1" in filtered and "Workshop 2" not in filtered


def test_the_review_queue_is_for_staff(client, auth, member) -> None:
    auth.login(member.email)
    assert client.get("/admin/credits").status_code == 403
    credit_id = add(client, member).get_json()["id"]
    response = auth.post(f"/admin/credits/{credit_id}/review", {"decision": "approve"})
    assert response.status_code == 403
    assert credits_of(member.id)[0].status == "pending"


def test_a_member_adds_a_credit_from_the_ledger_page(client, auth, member) -> None:
    auth.login(member.email)
    ledger = client.get("/my-learning/credits").get_data(as_text=True)
    assert 'href="/my-learning/credits/new"' in ledger
    page = client.get("/my-learning/credits/new")
    assert page.status_code == 200 and "Add a credit from another provider" in page.get_data(
        as_text=True)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    response = auth.post("/my-learning/credits/new", {
        "title": "Webinar elsewhere", "provider": "ALA", "credit_type": "ce-hours",
        "amount": "1.25", "earned_on": yesterday,
        "evidence": (io.BytesIO(PDF), "proof.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    [credit] = credits_of(member.id)
    assert credit.amount == Decimal("1.25") and credit.evidence_media_id is not None
    refused = auth.post("/my-learning/credits/new", {
        "title": "Too much", "provider": "ALA", "credit_type": "ce-hours", "amount": "500",
        "earned_on": yesterday})
    assert refused.status_code == 422 and "at most 100" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert len(credits_of(member.id)) == 1
