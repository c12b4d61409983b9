"""Self-reported credits from other providers: added pending, decided by staff.

The member is told of the decision by email (a job, through ``lms.mail``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from lms.accounts.models import User
from lms.dates import parse_date
from lms.errors import Conflict, NotFound, Unauthorized, ValidationError
from lms.extensions import db, utcnow
from lms.ledger import cycles
from lms.ledger.models import Credit, CreditType
from lms.ledger.types import bump, parse_amount, require_staff, type_by_slug
from lms.mail import send_mail
from lms.media.models import MediaAsset
from lms.text import TextError, clean_text
from lms.web import site_url

#: Most one self-reported entry may claim.
MAX_EXTERNAL = Decimal(100)
DECISIONS = {"approve": "approved", "reject": "rejected"}


def _text(data: dict, field: str, limit: int, errors: dict, required: bool = True) -> str:
    try:
        return clean_text(data.get(field), max_length=limit, required=required)
    except TextError as exc:
        errors[field] = [str(exc)]
        return ""


def _evidence(actor: User, media_id: object, errors: dict) -> int | None:
    """The id of a ready upload of the member's own, or None (with an error when invalid)."""
    if media_id is None:
        return None
    asset = db.session.get(MediaAsset, media_id) if isinstance(media_id, int) \
        and not isinstance(media_id, bool) else None
    if asset is None or asset.uploader_id != actor.id or not asset.is_ready:
        errors["evidence_media_id"] = ["Upload the evidence first (your own PDF or image)."]
        return None
    return asset.id


def add_external(actor: User | None, data: dict, *, now: datetime | None = None) -> Credit:
    """Record a credit earned elsewhere, pending review.

    Rules: amount more than 0 and at most 100; earned_on not after the member's
    local today (their ``time_zone``); title and provider are single-line text.
    Raises Unauthorized, ValidationError.
    """
    if actor is None:
        raise Unauthorized("Log in to add a credit.")
    now = now or utcnow()
    errors: dict[str, list[str]] = {}
    title = _text(data, "title", 200, errors)
    provider = _text(data, "provider", 200, errors)
    credit_type = type_by_slug(data.get("credit_type") or None, writing=True)
    if credit_type is None:
        errors["credit_type"] = ["Choose one of the credit types."]
    amount = _amount(data.get("amount"), errors)
    earned_on = _earned_on(data.get("earned_on"), cycles.local_today(now, actor.time_zone), errors)
    evidence = _evidence(actor, data.get("evidence_media_id"), errors)
    if errors:
        raise ValidationError("Please correct the marked fields.", errors=errors)
    credit = Credit(user_id=actor.id, source="external", title=title, provider=provider,
                    credit_type=credit_type, amount=amount, earned_on=earned_on,
                    status="pending", evidence_media_id=evidence, review_note="",
                    created_at=now, updated_at=now)
    db.session.add(credit)
    db.session.flush()
    bump([actor.id])
    return credit


def _amount(value: object, errors: dict) -> Decimal:
    try:
        return parse_amount(value, maximum=MAX_EXTERNAL)
    except ValueError as exc:
        errors["amount"] = [str(exc)]
        return Decimal(0)


def _earned_on(value: object, today, errors: dict):
    try:
        day = parse_date(value) if isinstance(value, str) else None
    except ValueError:
        day = None
    if day is None:
        errors["earned_on"] = ["Use a date written YYYY-MM-DD."]
    elif day > today:
        errors["earned_on"] = [f"The date cannot be in the future (today is {today} where "
                               "you are; set your time zone in your profile)."]
    return day


# --- review ---------------------------------------------------------------------------


def review(actor: User | None, credit_id: int, decision: object, note: object = None, *,
           now: datetime | None = None) -> Credit:
    """Approve or reject a self-reported credit with an optional note; mail the member.

    Raises Forbidden (not staff), NotFound, ValidationError, Conflict (not external).
    """
    require_staff(actor, "review credits")
    credit = db.session.get(Credit, credit_id)
    if credit is None:
        raise NotFound("No such credit.")
    errors: dict[str, list[str]] = {}
    if not isinstance(decision, str) or decision not in DECISIONS:
        errors["decision"] = ["Use approve or reject."]
    text = _text({"note": note}, "note", 2000, errors, required=False)
    if errors:
        raise ValidationError("Please correct the marked fields.", errors=errors)
    if credit.source != "external":
        raise Conflict("Only self-reported credits are reviewed.")
    _decide(actor, credit, DECISIONS[decision], text, now or utcnow())  # type: ignore[index]
    return credit


def _decide(actor: User, credit: Credit, status: str, note: str, now: datetime) -> None:
    credit.status, credit.review_note = status, note
    credit.reviewed_by_id, credit.reviewed_at, credit.updated_at = actor.id, now, now
    db.session.flush()
    bump([credit.user_id])
    _tell_member(credit, now)


def _tell_member(credit: Credit, now: datetime) -> None:
    outcome = "approved" if credit.status == "approved" else "not approved"
    body = (f"Your credit “{credit.title}” ({credit.provider}) for "
            f"{cycles.plain_amount(credit.amount)} {credit.credit_type.name}, earned on "
            f"{credit.earned_on.isoformat()}, was {outcome}.\n")
    if credit.review_note:
        body += f"\nNote from staff: {credit.review_note}\n"
    body += f"\nYour credits: {site_url('/my-learning/credits')}\n"
    send_mail(credit.user.email, f"Your credit was {outcome}", body,
              key=f"credit-review:{credit.id}:{now.isoformat()}")


def bulk_approve(actor: User | None, credit_ids: list[int], *,
                 now: datetime | None = None) -> int:
    """Approve the listed pending self-reported credits; returns how many. Raises Forbidden."""
    require_staff(actor, "review credits")
    now = now or utcnow()
    pending = db.session.execute(select(Credit).where(
        Credit.id.in_(credit_ids), Credit.status == "pending", Credit.source == "external")
    ).scalars().all()
    for credit in pending:
        _decide(actor, credit, "approved", "", now)
    return len(pending)


@dataclass(frozen=True)
class QueueRow:
    credit: Credit
    member_name: str
    member_email: str


def review_queue(actor: User | None, *, status: str = "pending", credit_type: str = "",
                 query: str = "", page: int = 1, per_page: int = 50
                 ) -> tuple[list[QueueRow], int]:
    """Self-reported credits for staff, oldest first, filtered by status, type and a
    member name/email or title. Raises Forbidden."""
    require_staff(actor, "review credits")
    statement = (select(Credit, User.name, User.email).join(User, User.id == Credit.user_id)
                 .join(CreditType, CreditType.id == Credit.credit_type_id)
                 .where(Credit.source == "external")
                 .options(contains_eager(Credit.credit_type)))
    if status in DECISIONS.values() or status == "pending":
        statement = statement.where(Credit.status == status)
    if credit_type:
        statement = statement.where(CreditType.slug == credit_type)
    if query:
        like = f"%{query.lower()}%"
        statement = statement.where(func.lower(User.name).like(like)
                                    | func.lower(User.email).like(like)
                                    | func.lower(Credit.title).like(like))
    total = db.session.execute(select(func.count()).select_from(statement.subquery())
                               ).scalar_one()
    rows = db.session.execute(statement.order_by(Credit.created_at, Credit.id)
                              .offset((page - 1) * per_page).limit(per_page)).all()
    return [QueueRow(credit, name, email) for credit, name, email in rows], total
