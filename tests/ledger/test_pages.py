"""Ledger pages: credit types for staff, a course's credits in the studio, the cycle on
My learning and the ledger page."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from lms.extensions import db
from lms.ledger.models import CourseCredit, Credit, CreditType
from tests.factories import make_course, make_user


def test_staff_add_rename_and_delete_credit_types(client, auth, app_ctx, ce_hours) -> None:
    admin = make_user(role="admin")
    auth.login(admin.email)
    assert client.get("/admin/credit-types").status_code == 200
    added = auth.post("/admin/credit-types", {"slug": "tx-state-hours",
                                              "name": "Texas state hours", "unit": "hours"})
    assert added.status_code == 303
    created = db.session.execute(db.select(CreditType).where(
        CreditType.slug == "tx-state-hours")).scalar_one()
    assert auth.post("/admin/credit-types", {"slug": "Bad Slug!", "name": "X",
                                             "unit": "h"}).status_code == 422
    assert auth.post("/admin/credit-types", {"slug": "tx-state-hours", "name": "Again",
                                             "unit": "h"}).status_code == 422
    auth.post(f"/admin/credit-types/{created.id}", {"name": "TSLAC hours", "unit": "hours"})
    db.session.expire_all()
    assert created.name == "TSLAC hours" and created.slug == "tx-state-hours"
    auth.post(f"/admin/credit-types/{ce_hours.id}/delete")
    auth.post(f"/admin/credit-types/{created.id}/delete")
    db.session.expire_all()
    assert [t.slug for t in db.session.execute(db.select(CreditType)).scalars()] == ["ce-hours"]


def test_a_type_in_use_is_not_deleted(client, auth, app_ctx, ce_hours, state_hours) -> None:
    member, admin = make_user(), make_user(role="admin")
    db.session.add(Credit(user_id=member.id, source="external", title="T", provider="P",
                          credit_type=state_hours, amount=Decimal(1), earned_on=date(2026, 1, 1),
                          status="pending", review_note=""))
    db.session.commit()
    auth.login(admin.email)
    page = auth.post(f"/admin/credit-types/{state_hours.id}/delete", follow_redirects=True)
    assert "cannot be deleted" in page.get_data(as_text=True)
    assert db.session.get(CreditType, state_hours.id) is not None


def test_members_may_not_manage_credit_types(client, auth, app_ctx) -> None:
    auth.login(make_user().email)
    assert client.get("/admin/credit-types").status_code == 403
    assert auth.post("/admin/credit-types", {"slug": "x", "name": "X",
                                             "unit": "h"}).status_code == 403


def test_instructors_set_the_credits_their_course_awards(client, auth, app_ctx, ce_hours,
                                                         state_hours) -> None:
    instructor = make_user(role="instructor")
    course = make_course(instructors=[instructor], ce_hours=Decimal("1.5"))
    auth.login(instructor.email)
    page = client.get(f"/studio/courses/{course.id}/credits").get_data(as_text=True)
    assert 'value="1.5"' in page and "State hours" in page
    saved = auth.post(f"/studio/courses/{course.id}/credits",
                      {"amount-ce-hours": "1.5", "amount-state-hours": "1.5"})
    assert saved.status_code == 303
    awards = db.session.execute(db.select(CourseCredit.credit_type_id, CourseCredit.amount)
                                .where(CourseCredit.course_id == course.id)).all()
    assert sorted(awards) == [(ce_hours.id, Decimal("1.5")), (state_hours.id, Decimal("1.5"))]
    bad = auth.post(f"/studio/courses/{course.id}/credits", {"amount-ce-hours": "-2"})
    assert bad.status_code == 422 and "more than 0" in bad.get_data(as_text=True)
    auth.login(make_user(role="instructor").email)
    assert client.get(f"/studio/courses/{course.id}/credits").status_code == 403


def test_my_learning_shows_the_cycle_chart_and_its_text_alternative(
        client, auth, app_ctx, ce_hours, monkeypatch) -> None:
    from lms.ledger import service

    monkeypatch.setattr(service, "utcnow", lambda: datetime(2026, 7, 2, 12, tzinfo=UTC))
    member = make_user()
    db.session.add(Credit(user_id=member.id, source="external", title="Conference",
                          provider="TLA", credit_type=ce_hours, amount=Decimal(12),
                          earned_on=date(2026, 3, 1), status="approved", review_note=""))
    db.session.commit()
    auth.login(member.email)
    before = client.get("/my-learning").get_data(as_text=True)
    assert "Set your renewal cycle" in before
    response = auth.post("/my-learning/credits/cycle", {
        "credit_type": "ce-hours", "required_amount": "60",
        "starts_on": "2026-01-01", "ends_on": "2028-12-31"})
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    html = client.get("/my-learning").get_data(as_text=True)
    assert 'role="img"' in html and "<title id=\"cycle-chart-title\">" in html
    assert "<desc" in html and "The chart as a table" in html
    assert "On track" in html and "12 of 60 CE hours" in html and "48 left" in html
    ledger = client.get("/my-learning/credits").get_data(as_text=True)
    assert "Conference" in ledger and "Other provider" in ledger and 'role="img"' in ledger
    form = client.get("/my-learning/credits/cycle").get_data(as_text=True)
    assert 'value="60"' in form and 'value="2028-12-31"' in form
    bad = auth.post("/my-learning/credits/cycle", {
        "credit_type": "ce-hours", "required_amount": "60",
        "starts_on": "2026-01-01", "ends_on": "2025-12-31"})
    assert bad.status_code == 422 and "on or after its first day" in bad.get_data(as_text=True)
