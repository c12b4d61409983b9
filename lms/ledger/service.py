"""The ledger: credits from certificates, reading a member's credits, renewal cycles.

Self-reported credits and their review are in ``external``; credit types and
course awards in ``types``; the evidence pack in ``evidence``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, bindparam, func, select, update

from lms.accounts.models import User
from lms.catalog.models import Course
from lms.certificates.models import Certificate
from lms.certificates.service import parse_period
from lms.certificates.transcript_credits import CreditGroup, CreditLine
from lms.database import upsert_insert
from lms.dates import parse_date
from lms.errors import BadRequest, NotFound, ValidationError
from lms.extensions import db, utcnow
from lms.ledger import cycles
from lms.ledger.models import DEFAULT_TYPE, Credit, CreditCycle, CreditType
from lms.ledger.types import (
    awards_of,
    bump,
    default_type,
    parse_amount,
    require_staff,
    type_by_slug,
)

#: Most a cycle may require.
MAX_REQUIRED = Decimal(10000)


@dataclass(frozen=True)
class Entry:
    """One credit as pages and the API show it."""

    id: int
    source: str
    title: str
    provider: str
    credit_type: str
    credit_type_name: str
    unit: str
    amount: Decimal
    earned_on: date
    status: str
    certificate_code: str | None
    evidence_media_id: int | None
    review_note: str
    updated_at: datetime


# --- credits from certificates ------------------------------------------------------


def add_certificate_credits(course_id: int, issued: list[dict], now: datetime) -> int:
    """One approved credit per credit type the course awards, per new certificate.

    ``issued``: ``{"certificate_id", "user_id", "completed_at"}`` (a back-issue batch
    or one completion). A fixed number of statements whatever the batch size;
    a certificate already credited is skipped (ON CONFLICT DO NOTHING).
    Returns how many entries were written.
    """
    course = db.session.get(Course, course_id)
    if course is None or not issued:
        return 0
    awards = awards_of([course_id]).get(course_id) or [(default_type().id, course.ce_hours)]
    zones = dict(db.session.execute(select(User.id, User.time_zone).where(
        User.id.in_({row["user_id"] for row in issued}))).all())
    rows = [{"user_id": row["user_id"], "source": "certificate", "title": course.title,
             "provider": "", "credit_type_id": type_id, "amount": amount,
             "earned_on": cycles.local_today(row["completed_at"], zones.get(row["user_id"])),
             "status": "approved", "certificate_id": row["certificate_id"],
             "review_note": "", "created_at": now, "updated_at": now}
            for row in issued for type_id, amount in awards if amount > 0]
    if not rows:
        return 0
    statement = upsert_insert(Credit).values(rows).on_conflict_do_nothing(
        index_elements=["certificate_id", "credit_type_id"]).returning(Credit.user_id)
    added = db.session.execute(statement).scalars().all()
    bump(set(added))
    return len(added)


def revoke_certificate_credits(certificate_id: int, now: datetime) -> None:
    """Mark the certificate's credits revoked (kept as tombstones for ``updated_since``)."""
    db.session.execute(update(Credit).where(Credit.certificate_id == certificate_id,
                                            Credit.status != "revoked")
                       .values(status="revoked", updated_at=now)
                       .execution_options(synchronize_session=False))
    bump(select(Certificate.user_id).where(Certificate.id == certificate_id))


# --- reading credits -----------------------------------------------------------------


def ledger_stamp(member: User, *, now: datetime | None = None) -> tuple[int, int, date]:
    """What a page of the member's credits and cycle depends on: their revision (moved by
    every change, :func:`lms.ledger.types.bump`) and their local date (the cycle's pace)."""
    return member.id, member.ledger_revision or 0, cycles.local_today(now or utcnow(),
                                                                     member.time_zone)


@dataclass(frozen=True)
class Filters:
    start: date | None = None
    end: date | None = None
    credit_type: str | None = None
    updated_since: datetime | None = None


def _entries_query(user_id: int, filters: Filters, *, with_removed: bool = False):
    query = _entries_query_all().where(Credit.user_id == user_id)
    return _filtered(query, filters, with_removed)


def _filtered(query, filters: Filters, with_removed: bool):
    if not with_removed:
        query = query.where(Credit.status != "revoked")
    if filters.start:
        query = query.where(Credit.earned_on >= filters.start)
    if filters.end:
        query = query.where(Credit.earned_on <= filters.end)
    if filters.credit_type:
        query = query.where(CreditType.slug == filters.credit_type)
    if filters.updated_since:
        query = query.where(Credit.updated_at > filters.updated_since)
    return query


def _entry(row) -> Entry:
    return Entry(row.id, row.source, row.title, row.provider, row.slug, row.name, row.unit,
                 row.amount, row.earned_on, row.status, row.code, row.evidence_media_id,
                 row.review_note, row.updated_at)


def entry(credit_id: int) -> Entry:
    """One credit as shown (after a write). Raises NotFound."""
    row = db.session.execute(_entries_query_all().where(Credit.id == credit_id)).first()
    if row is None:
        raise NotFound("No such credit.")
    return _entry(row)


def _entries_query_all():
    """Plain columns, no ORM objects: a member's list is read on every visit."""
    return (select(Credit.id, Credit.source, Credit.title, Credit.provider, Credit.amount,
                   Credit.earned_on, Credit.status, Credit.evidence_media_id,
                   Credit.review_note, Credit.updated_at, CreditType.slug, CreditType.name,
                   CreditType.unit, Certificate.code)
            .join(CreditType, CreditType.id == Credit.credit_type_id)
            .outerjoin(Certificate, Certificate.id == Credit.certificate_id))


#: A member's credits, newest first, without filters: built once (the common request).
_MY_CREDITS = (_entries_query_all()
               .where(Credit.user_id == bindparam("user_id"), Credit.status != "revoked")
               .order_by(Credit.earned_on.desc(), Credit.id.desc()))


def totals(entries: list[Entry]) -> dict[str, Decimal]:
    """Approved amounts by credit type slug (pending, rejected and revoked never count)."""
    found: dict[str, Decimal] = {}
    for entry in entries:
        if entry.status == "approved":
            found[entry.credit_type] = found.get(entry.credit_type, Decimal(0)) + entry.amount
    return found


def my_credits(actor: User, filters: Filters) -> list[Entry]:
    """The member's credits (revoked ones left out), newest first: one statement."""
    if filters == Filters():
        rows = db.session.execute(_MY_CREDITS, {"user_id": actor.id})
    else:
        rows = db.session.execute(_entries_query(actor.id, filters).order_by(
            Credit.earned_on.desc(), Credit.id.desc()))
    return [_entry(row) for row in rows]


def member_credits(actor: User | None, member_id: int, filters: Filters, *, page: int,
                   per_page: int) -> tuple[list[Entry], int, dict[str, Decimal]]:
    """A member's credits for the membership system (staff): a page, the count, the
    approved totals. With ``updated_since`` revoked entries come too (the removals),
    oldest change first so a client can page through a sync.

    Raises Forbidden, NotFound.
    """
    require_staff(actor, "read a member's credits")
    if db.session.get(User, member_id) is None:
        raise NotFound("No such member.")
    removed = filters.updated_since is not None
    query = _entries_query(member_id, filters, with_removed=removed)
    order = (Credit.updated_at, Credit.id) if removed else (Credit.earned_on.desc(),
                                                            Credit.id.desc())
    rows = db.session.execute(query.order_by(*order).offset((page - 1) * per_page)
                              .limit(per_page)).all()
    count = db.session.execute(_filtered(
        select(func.count()).select_from(Credit).join(CreditType).where(
            Credit.user_id == member_id), filters, removed)).scalar_one()
    sums = _filtered(select(CreditType.slug, func.sum(Credit.amount)).select_from(Credit)
                     .join(CreditType).where(Credit.user_id == member_id,
                                             Credit.status == "approved"), filters, False)
    approved = {slug: Decimal(total) for slug, total in db.session.execute(
        sums.group_by(CreditType.slug))}
    return [_entry(row) for row in rows], count, approved


def parse_filters(start: str | None, end: str | None, credit_type: str | None,
                  updated_since: str | None = None) -> Filters:
    """Query-string filters. Raises BadRequest."""
    period = parse_period(start, end)
    since = None
    if updated_since:
        try:
            since = datetime.fromisoformat(updated_since.replace("Z", "+00:00"))
        except ValueError:
            raise BadRequest("updated_since must be an ISO 8601 timestamp.") from None
        if since.tzinfo is None:
            raise BadRequest("updated_since must name its time zone (Z or +00:00).")
    return Filters(period[0], period[1], credit_type or None, since)


# --- cycles ---------------------------------------------------------------------------


def set_cycle(actor: User, data: dict, *, now: datetime | None = None) -> CreditCycle:
    """Set (or replace) the member's renewal cycle. Raises ValidationError."""
    errors: dict[str, list[str]] = {}
    credit_type = type_by_slug(data.get("credit_type"), writing=True)
    if credit_type is None:
        errors["credit_type"] = ["Choose one of the credit types."]
    try:
        required = parse_amount(data.get("required_amount"), maximum=MAX_REQUIRED)
    except ValueError as exc:
        errors["required_amount"] = [str(exc)]
    days = {}
    for field in ("starts_on", "ends_on"):
        try:
            days[field] = parse_date(data.get(field))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            errors[field] = ["Use a date written YYYY-MM-DD."]
    if len(days) == 2 and days["ends_on"] < days["starts_on"]:
        errors["ends_on"] = ["The cycle must end on or after its first day."]
    if errors:
        raise ValidationError("Please correct the marked fields.", errors=errors)
    cycle = db.session.execute(select(CreditCycle).where(CreditCycle.user_id == actor.id)
                               ).scalar_one_or_none() or CreditCycle(user_id=actor.id)
    cycle.credit_type, cycle.required_amount = credit_type, required
    cycle.starts_on, cycle.ends_on, cycle.updated_at = days["starts_on"], days["ends_on"], \
        now or utcnow()
    db.session.add(cycle)
    db.session.flush()
    bump([actor.id])
    return cycle


#: The cycle, its credit type and the approved credits of that type dated within it.
_CYCLE = (select(CreditCycle, CreditType, Credit.earned_on, Credit.amount)
          .join(CreditType, CreditType.id == CreditCycle.credit_type_id)
          .outerjoin(Credit, and_(Credit.user_id == CreditCycle.user_id,
                                  Credit.credit_type_id == CreditCycle.credit_type_id,
                                  Credit.status == "approved",
                                  Credit.earned_on >= CreditCycle.starts_on,
                                  Credit.earned_on <= CreditCycle.ends_on))
          .where(CreditCycle.user_id == bindparam("user_id")))


@dataclass(frozen=True)
class CycleView:
    cycle: CreditCycle
    #: The cycle's credit type (read in the same statement, so pages never load it lazily).
    credit_type: str
    type_name: str
    status: cycles.CycleStatus
    chart: cycles.Chart
    today: date

    @property
    def stamp(self) -> tuple:
        """What the rendered cycle shows depends on only this."""
        return (self.cycle.id, self.credit_type, self.type_name, self.status, self.chart,
                self.cycle.starts_on, self.cycle.ends_on, self.today)


def cycle_view(member: User, *, now: datetime | None = None) -> CycleView | None:
    """The member's cycle on their local today, or None when they set none.

    One statement: the cycle, its credit type and the approved credits of that
    type dated within it (My learning shows this on every visit).
    """
    rows = db.session.execute(_CYCLE, {"user_id": member.id}).all()
    if not rows:
        return None
    cycle, credit_type = rows[0][0], rows[0][1]
    today = cycles.local_today(now or utcnow(), member.time_zone)
    counted = [(day, amount) for _cycle, _type, day, amount in rows if day is not None]
    status = cycles.cycle_status(cycle.required_amount, cycle.starts_on, cycle.ends_on, today,
                                 counted)
    drawn = cycles.chart(cycle.required_amount, cycle.starts_on, cycle.ends_on, today, counted)
    return CycleView(cycle, credit_type.slug, credit_type.name, status, drawn, today)


# --- the CE transcript's other credits ----------------------------------------------------


def transcript_groups(member_id: int, period: tuple[date | None, date | None]
                      ) -> list[CreditGroup]:
    """Approved credits in the period, by credit type: every line but the CE hours of
    certificates (the transcript lists those certificates already), and each type's
    total over all sources. One statement."""
    rows = db.session.execute(_filtered(
        _entries_query_all().where(Credit.user_id == member_id, Credit.status == "approved"),
        Filters(period[0], period[1]), False).order_by(CreditType.slug != DEFAULT_TYPE,
                                                       CreditType.name, Credit.earned_on,
                                                       Credit.id)).all()
    groups: dict[str, tuple[str, str, list[CreditLine], list[Decimal]]] = {}
    for row in rows:
        _name, _unit, lines, total = groups.setdefault(row.slug, (row.name, row.unit, [], []))
        total.append(row.amount)
        if not (row.source == "certificate" and row.slug == DEFAULT_TYPE):
            lines.append(CreditLine(row.earned_on, row.title, row.provider, row.source,
                                    row.amount))
    return [CreditGroup(name, unit, tuple(lines), sum(total, Decimal(0)))
            for name, unit, lines, total in groups.values()]
