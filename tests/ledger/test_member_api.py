"""My credits with filters and totals; a member's credits for the membership system
(staff, paged, incremental with updated_since); cycles; the time zone in the profile."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from lms.extensions import db
from lms.ledger.models import Credit
from tests.factories import api_headers, make_user


def credit(user, day: date, amount: str = "1", status: str = "approved", slug_type=None,
           updated_at: datetime | None = None, title: str = "Activity") -> Credit:
    row = Credit(user_id=user.id, source="external", title=title, provider="Elsewhere",
                 credit_type=slug_type, amount=Decimal(amount), earned_on=day, status=status,
                 review_note="", updated_at=updated_at or datetime.now(UTC))
    db.session.add(row)
    db.session.commit()
    return row


def test_my_credits_filter_by_dates_and_type_with_approved_totals(
        client, app_ctx, ce_hours, state_hours) -> None:
    member = make_user()
    credit(member, date(2026, 1, 1), "1", slug_type=ce_hours)
    credit(member, date(2026, 1, 31), "2", slug_type=ce_hours)
    credit(member, date(2026, 2, 1), "4", slug_type=ce_hours)
    credit(member, date(2026, 1, 15), "8", slug_type=state_hours)
    credit(member, date(2026, 1, 16), "16", "pending", slug_type=ce_hours)
    headers = api_headers(member)
    january = client.get("/api/v1/me/credits?from=2026-01-01&to=2026-01-31",
                         headers=headers).get_json()
    assert january["total"] == 4
    assert january["totals"] == {"ce-hours": 3, "state-hours": 8}
    only = client.get("/api/v1/me/credits?credit_type=state-hours", headers=headers).get_json()
    assert [c["amount"] for c in only["items"]] == [8] and only["totals"] == {"state-hours": 8}
    assert client.get("/api/v1/me/credits?from=2026-02-02&to=2026-02-01",
                      headers=headers).status_code == 400
    other = client.get("/api/v1/me/credits", headers=api_headers(make_user())).get_json()
    assert other == {"items": [], "total": 0, "totals": {}}


def test_members_credits_are_for_staff_paged_with_totals(client, app_ctx, ce_hours) -> None:
    member, admin = make_user(), make_user(role="admin")
    for n in range(5):
        credit(member, date(2026, 1, 1) + timedelta(days=n), slug_type=ce_hours)
    url = f"/api/v1/members/{member.id}/credits"
    assert client.get(url, headers=api_headers(member)).status_code == 403
    page = client.get(f"{url}?per_page=2&page=3", headers=api_headers(admin)).get_json()
    assert (page["total"], page["page"], page["per_page"], len(page["items"])) == (5, 3, 2, 1)
    assert page["totals"] == {"ce-hours": 5}
    assert client.get("/api/v1/members/999999/credits",
                      headers=api_headers(admin)).status_code == 404


def test_updated_since_returns_changes_after_the_time_including_removals(
        client, app_ctx, ce_hours) -> None:
    member, admin = make_user(), make_user(role="admin")
    cursor = datetime(2026, 2, 1, 12, tzinfo=UTC)
    credit(member, date(2026, 1, 1), slug_type=ce_hours, updated_at=cursor - timedelta(hours=1),
           title="Old")
    credit(member, date(2026, 1, 2), slug_type=ce_hours, updated_at=cursor, title="At cursor")
    credit(member, date(2026, 1, 3), slug_type=ce_hours, updated_at=cursor + timedelta(hours=1),
           title="New")
    credit(member, date(2026, 1, 4), status="revoked", slug_type=ce_hours,
           updated_at=cursor + timedelta(hours=2), title="Removed")
    url = f"/api/v1/members/{member.id}/credits"
    synced = client.get(url, query_string={"updated_since": cursor.isoformat()},
                        headers=api_headers(admin)).get_json()
    assert [(c["title"], c["status"]) for c in synced["items"]] == [
        ("New", "approved"), ("Removed", "revoked")]
    plain = client.get(url, headers=api_headers(admin)).get_json()
    assert "Removed" not in {c["title"] for c in plain["items"]}
    for bad in ("yesterday", "2026-02-01T12:00:00"):
        assert client.get(url, query_string={"updated_since": bad},
                          headers=api_headers(admin)).status_code == 400


def put_cycle(client, user, **over):
    return client.put("/api/v1/me/cycle", headers=api_headers(user), json={
        "credit_type": "ce-hours", "required_amount": 60, "starts_on": "2026-01-01",
        "ends_on": "2028-12-31"} | over)


def test_cycle_counts_entries_on_its_first_and_last_day_only(client, app_ctx, ce_hours) -> None:
    member = make_user()
    for day in (date(2025, 12, 31), date(2026, 1, 1), date(2028, 12, 31), date(2029, 1, 1)):
        credit(member, day, "5", slug_type=ce_hours)
    credit(member, date(2026, 6, 1), "7", "pending", slug_type=ce_hours)
    response = put_cycle(client, member)
    assert response.status_code == 200, response.get_json()
    cycle = response.get_json()
    assert (cycle["earned"], cycle["remaining"]) == (10, 50)
    assert cycle["required_amount"] == 60 and cycle["starts_on"] == "2026-01-01"


def test_on_track_uses_the_members_local_today(client, app_ctx, ce_hours, monkeypatch) -> None:
    """A 10-day cycle, 1 credit earned: on track through day 1 only (1/10 × 10 = 1).

    At 20:00 UTC on its first day it is already the second day in Tokyo.
    """
    from lms.ledger import service

    monkeypatch.setattr(service, "utcnow", lambda: datetime(2026, 1, 1, 20, tzinfo=UTC))
    utc, tokyo = make_user(), make_user(time_zone="Asia/Tokyo")
    for user in (utc, tokyo):
        credit(user, date(2026, 1, 1), "1", slug_type=ce_hours)
    over = {"required_amount": 10, "starts_on": "2026-01-01", "ends_on": "2026-01-10"}
    here = put_cycle(client, utc, **over).get_json()
    there = put_cycle(client, tokyo, **over).get_json()
    assert (here["today"], here["on_track"]) == ("2026-01-01", True)
    assert (there["today"], there["on_track"]) == ("2026-01-02", False)
    assert there["expected"] == 2


@pytest.mark.parametrize(("over", "field"), [
    ({"credit_type": "nope"}, "credit_type"), ({"required_amount": 0}, "required_amount"),
    ({"starts_on": "2026-13-01"}, "starts_on"), ({"ends_on": "2025-12-31"}, "ends_on")])
def test_bad_cycles_are_refused(client, app_ctx, ce_hours, over, field) -> None:
    response = put_cycle(client, make_user(), **over)
    assert response.status_code == 422 and field in response.get_json()["errors"]


def test_the_time_zone_is_part_of_the_profile(client, app_ctx) -> None:
    member = make_user()
    headers = api_headers(member)
    assert client.get("/api/v1/me", headers=headers).get_json()["time_zone"] == "UTC"
    ok = client.patch("/api/v1/me", json={"time_zone": "America/Chicago"}, headers=headers)
    assert ok.status_code == 200 and ok.get_json()["time_zone"] == "America/Chicago"
    for bad in ("Mars/Olympus", "", "../etc/passwd", 5):
        response = client.patch("/api/v1/me", json={"time_zone": bad}, headers=headers)
        assert response.status_code == 422, bad
    db.session.expire_all()
    assert member.time_zone == "America/Chicago"


def test_credit_types_are_public(client, app_ctx, ce_hours, state_hours) -> None:
    listed = client.get("/api/v1/credit-types").get_json()
    assert listed["items"][0] == {"slug": "ce-hours", "name": "CE hours", "unit": "hours"}
    assert {"slug": "state-hours", "name": "State hours", "unit": "hours"} in listed["items"]
