"""Credits from certificates: one per credit type the course awards, in the issuing
transaction; idempotent; revoked with the certificate; back-issue in batches."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import event

from lms.extensions import db
from lms.ledger.models import CourseCredit, Credit
from tests.factories import api_headers, enrol, make_course, make_user
from tests.ledger.conftest import credits_of


def test_a_completion_adds_one_credit_per_credit_type_the_course_awards(
        issue, ce_hours, state_hours) -> None:
    course = make_course(ce_hours=Decimal("1.5"))
    db.session.add_all([CourseCredit(course_id=course.id, credit_type_id=ce_hours.id,
                                     amount=Decimal("1.5")),
                        CourseCredit(course_id=course.id, credit_type_id=state_hours.id,
                                     amount=Decimal("2"))])
    db.session.commit()
    member = make_user()
    certificate = issue(member=member, course=course)
    found = credits_of(member.id)
    assert sorted((c.credit_type.slug, c.amount) for c in found) == [
        ("ce-hours", Decimal("1.5")), ("state-hours", Decimal("2"))]
    assert {(c.source, c.status, c.certificate_id, c.title) for c in found} == {
        ("certificate", "approved", certificate.id, course.title)}


def test_without_configured_awards_the_course_ce_hours_count_as_ce_hours(issue) -> None:
    member = make_user()
    issue(member=member, course=make_course(ce_hours=Decimal("0.75")))
    [credit] = credits_of(member.id)  # the ce-hours type is made on first use
    assert (credit.credit_type.slug, credit.amount) == ("ce-hours", Decimal("0.75"))


def test_issuing_again_adds_nothing(issue, ce_hours) -> None:
    from lms.catalog.models import Enrollment
    from lms.certificates.issuance import issue_certificate
    from lms.ledger.service import add_certificate_credits

    member, course = make_user(), make_course()
    certificate = issue(member=member, course=course)
    enrollment = db.session.execute(db.select(Enrollment).where(
        Enrollment.user_id == member.id)).scalar_one()
    assert issue_certificate(member, course, enrollment).id == certificate.id
    issued = [{"certificate_id": certificate.id, "user_id": member.id,
               "completed_at": datetime(2026, 3, 12, tzinfo=UTC)}]
    assert add_certificate_credits(course.id, issued, datetime.now(UTC)) == 0
    db.session.commit()
    assert len(credits_of(member.id)) == 1


def test_a_retake_edition_adds_its_own_credits(issue, ce_hours) -> None:
    """A retake's completion issues edition 2, a certificate of its own, with its credits;
    edition 1's stay."""
    from lms.catalog.models import Enrollment
    from lms.certificates import issuance

    member, course = make_user(), make_course(certificate_enabled=True)
    first = issue(member=member, course=course)
    enrollment = db.session.execute(db.select(Enrollment).where(
        Enrollment.user_id == member.id, Enrollment.course_id == course.id)).scalar_one()
    enrollment.edition, enrollment.completed_at = 2, datetime(2028, 3, 1, 12, 0, tzinfo=UTC)
    second = issuance.issue_certificate(member, course, enrollment, now=enrollment.completed_at)
    db.session.commit()
    assert (first.edition, second.edition) == (1, 2)
    credits = credits_of(member.id)
    assert [(c.certificate_id, c.earned_on, c.status) for c in credits] == [
        (first.id, date(2026, 3, 12), "approved"), (second.id, date(2028, 3, 1), "approved")]


def test_the_earned_date_is_the_members_local_date(issue, ce_hours) -> None:
    late_evening_utc = datetime(2026, 3, 12, 23, 30, tzinfo=UTC)
    tokyo, chicago = make_user(time_zone="Asia/Tokyo"), make_user(time_zone="America/Chicago")
    issue(member=tokyo, completed_at=late_evening_utc)
    issue(member=chicago, completed_at=late_evening_utc)
    assert credits_of(tokyo.id)[0].earned_on == date(2026, 3, 13)
    assert credits_of(chicago.id)[0].earned_on == date(2026, 3, 12)


def test_revoking_the_certificate_revokes_its_credits_and_leaves_a_tombstone(
        issue, ce_hours, client) -> None:
    admin, member = make_user(role="admin"), make_user()
    certificate = issue(member=member)
    before = datetime.now(UTC)
    response = client.post(f"/api/v1/certificates/{certificate.code}/revoke",
                           json={"reason": "Issued in error"}, headers=api_headers(admin))
    assert response.status_code == 200, response.get_json()
    [credit] = credits_of(member.id)
    assert credit.status == "revoked" and credit.updated_at >= before
    mine = client.get("/api/v1/me/credits", headers=api_headers(member)).get_json()
    assert mine["items"] == [] and mine["totals"] == {}
    since = before.isoformat()
    synced = client.get(f"/api/v1/members/{member.id}/credits",
                        query_string={"updated_since": since},
                        headers=api_headers(admin)).get_json()
    assert [(c["id"], c["status"]) for c in synced["items"]] == [(credit.id, "revoked")]


def test_back_issue_adds_credits_in_batches_with_a_fixed_number_of_statements(
        app_ctx, ce_hours, state_hours) -> None:
    from lms.certificates import backissue, issuance

    admin = make_user(role="admin")
    course = make_course(certificate_enabled=False)
    db.session.add_all([CourseCredit(course_id=course.id, credit_type_id=t.id,
                                     amount=Decimal(1)) for t in (ce_hours, state_hours)])
    statements = {}
    for size in (3, 30):
        members = [make_user() for _ in range(size)]
        for member in members:
            enrol(member, course, completed_at=datetime(2025, 5, 1, tzinfo=UTC))
        course.certificate_enabled = True
        db.session.commit()
        count = [0]

        def counting(*_args, count=count) -> None:
            count[0] += 1

        original = issuance.pdf_settings_or_none
        issuance.pdf_settings_or_none = lambda: None
        backissue.pdf_settings_or_none = lambda: None
        event.listen(db.engine, "before_cursor_execute", counting)
        try:
            assert backissue.back_issue(admin, course.id, dry_run=False) == size
        finally:
            event.remove(db.engine, "before_cursor_execute", counting)
            issuance.pdf_settings_or_none = backissue.pdf_settings_or_none = original
        db.session.commit()
        statements[size] = count[0]
        assert all(len(credits_of(m.id)) == 2 for m in members)
    ledger_share = statements[30] - statements[3]
    # Mail jobs are one insert per member; the ledger adds none per member.
    assert ledger_share <= 27 * 1 + 4, statements
    assert db.session.scalar(db.select(db.func.count(Credit.id))) == 66
