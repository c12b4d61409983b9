"""Credit types (staff configure them) and the credit types each course awards."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select, union, update

from lms.accounts.models import User
from lms.catalog.access import can_edit
from lms.catalog.models import Course
from lms.database import upsert_insert
from lms.errors import Conflict, Forbidden, NotFound, ValidationError
from lms.extensions import db, utcnow
from lms.ledger.models import DEFAULT_TYPE, CourseCredit, Credit, CreditCycle, CreditType
from lms.text import TextError, clean_text

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
#: Most a course may award of one credit type.
MAX_COURSE_AMOUNT = Decimal(100)


def require_staff(actor: User | None, what: str) -> User:
    if actor is None or not actor.is_admin:
        raise Forbidden(f"Only site staff can {what}.")
    return actor


def bump(user_ids) -> None:
    """Move the members' ``ledger_revision`` (ids, or a select of ids): what pages keep of
    their credits and cycle is then rebuilt on their next visit."""
    if isinstance(user_ids, (list, set, tuple)) and not user_ids:
        return
    db.session.execute(update(User).where(User.id.in_(user_ids))
                       .values(ledger_revision=User.ledger_revision + 1)
                       .execution_options(synchronize_session="fetch"))


def credit_types() -> list[CreditType]:
    """Every credit type, CE hours first, then by name."""
    return list(db.session.execute(select(CreditType).order_by(
        CreditType.slug != DEFAULT_TYPE, CreditType.name)).scalars())


def default_type() -> CreditType:
    """The ``ce-hours`` type, made when missing (a write path: issuance, a first credit)."""
    found = db.session.execute(
        select(CreditType).where(CreditType.slug == DEFAULT_TYPE)).scalar_one_or_none()
    if found is None:
        # ON CONFLICT: completions at the same moment may all find it missing.
        db.session.execute(upsert_insert(CreditType.__table__)
                           .values(slug=DEFAULT_TYPE, name="CE hours", unit="hours",
                                   created_at=utcnow())
                           .on_conflict_do_nothing(index_elements=["slug"]))
        found = db.session.execute(
            select(CreditType).where(CreditType.slug == DEFAULT_TYPE)).scalar_one()
    return found


def type_by_slug(slug: object, *, writing: bool = False) -> CreditType | None:
    """The credit type called ``slug``; ``writing`` makes ``ce-hours`` when it is missing."""
    if not isinstance(slug, str):
        return None
    if slug == DEFAULT_TYPE and writing:
        return default_type()
    return db.session.execute(select(CreditType).where(CreditType.slug == slug)
                              ).scalar_one_or_none()


def _clean_type(slug: object, name: object, unit: object) -> dict:
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    if not isinstance(slug, str) or not SLUG.fullmatch(slug) or len(slug) > 40:
        errors["slug"] = ["Use lower-case letters, digits and dashes (up to 40), e.g. "
                          "state-hours."]
    else:
        values["slug"] = slug
    for field, value, limit in (("name", name, 120), ("unit", unit, 40)):
        try:
            values[field] = clean_text(value, max_length=limit, required=True)
        except TextError as exc:
            errors[field] = [str(exc)]
    if errors:
        raise ValidationError("Please correct the marked fields.", errors=errors)
    return values


def create_type(actor: User | None, slug: object, name: object, unit: object) -> CreditType:
    """A new credit type. Raises Forbidden, ValidationError, Conflict (slug taken)."""
    require_staff(actor, "configure credit types")
    values = _clean_type(slug, name, unit)
    if db.session.execute(select(CreditType.id).where(CreditType.slug == values["slug"])).first():
        raise Conflict("A credit type with this slug exists already.")
    credit_type = CreditType(**values)
    db.session.add(credit_type)
    db.session.flush()
    return credit_type


def update_type(actor: User | None, type_id: int, name: object, unit: object) -> CreditType:
    """Rename a credit type (the slug stays: clients know it). Raises Forbidden,
    NotFound, ValidationError."""
    require_staff(actor, "configure credit types")
    credit_type = db.session.get(CreditType, type_id)
    if credit_type is None:
        raise NotFound("No such credit type.")
    values = _clean_type(credit_type.slug, name, unit)
    credit_type.name, credit_type.unit = values["name"], values["unit"]
    db.session.flush()
    bump(union(select(Credit.user_id).where(Credit.credit_type_id == type_id),
               select(CreditCycle.user_id).where(CreditCycle.credit_type_id == type_id)))
    return credit_type


def delete_type(actor: User | None, type_id: int) -> None:
    """Delete an unused credit type. Raises Forbidden, NotFound, Conflict (in use)."""
    require_staff(actor, "configure credit types")
    credit_type = db.session.get(CreditType, type_id)
    if credit_type is None:
        raise NotFound("No such credit type.")
    if credit_type.slug == DEFAULT_TYPE:
        raise Conflict("CE hours cannot be deleted.")
    used = sum(db.session.execute(select(func.count()).where(column == type_id)).scalar_one()
               for column in (Credit.credit_type_id, CourseCredit.credit_type_id,
                              CreditCycle.credit_type_id))
    if used:
        raise Conflict("Credits, courses or cycles use this type; it cannot be deleted.")
    db.session.delete(credit_type)
    db.session.flush()


# --- what a course awards ------------------------------------------------------------


def awards_of(course_ids: list[int]) -> dict[int, list[tuple[int, Decimal]]]:
    """{course id: [(credit type id, amount)]} as configured (courses without any are absent)."""
    found: dict[int, list[tuple[int, Decimal]]] = {}
    for course_id, type_id, amount in db.session.execute(
            select(CourseCredit.course_id, CourseCredit.credit_type_id, CourseCredit.amount)
            .where(CourseCredit.course_id.in_(course_ids)).order_by(CourseCredit.id)):
        found.setdefault(course_id, []).append((type_id, amount))
    return found


def course_awards(course: Course) -> list[tuple[CreditType, Decimal]]:
    """What completing ``course`` earns: as configured, else its CE hours as ``ce-hours``."""
    rows = db.session.execute(select(CourseCredit).where(CourseCredit.course_id == course.id)
                              .order_by(CourseCredit.id)).scalars().all()
    if rows:
        return [(row.credit_type, row.amount) for row in rows]
    found = db.session.execute(select(CreditType).where(CreditType.slug == DEFAULT_TYPE)
                               ).scalar_one_or_none()
    return [(found or CreditType(slug=DEFAULT_TYPE, name="CE hours", unit="hours"),
             course.ce_hours)]


def parse_amount(value: object, *, maximum: Decimal) -> Decimal:
    """A positive amount with at most two decimals, up to ``maximum``; raises ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValueError("Enter a number.")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("Enter a number, such as 1.5.") from None
    if not amount.is_finite() or amount <= 0 or amount > maximum:
        raise ValueError(f"Must be more than 0 and at most {maximum}.")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("Use at most two decimals.")
    return amount


def set_course_awards(actor: User | None, course_id: int, amounts: dict[str, object]) -> Course:
    """Replace what a course awards with ``{credit type slug: amount}`` (empty or 0: none).

    Raises NotFound, Forbidden (not its editor or staff), ValidationError.
    """
    course = db.session.get(Course, course_id)
    if course is None:
        raise NotFound("No such course.")
    if not can_edit(actor, course):
        raise Forbidden("Only this course's instructors and site staff can set its credits.")
    types = {t.slug: t for t in credit_types()}
    chosen, errors = {}, {}
    for slug, raw in amounts.items():
        if raw in (None, "", 0, "0"):
            continue
        try:
            if slug not in types:
                raise ValueError("Unknown credit type.")
            chosen[types[slug].id] = parse_amount(raw, maximum=MAX_COURSE_AMOUNT)
        except ValueError as exc:
            errors[slug] = [str(exc)]
    if errors:
        raise ValidationError("Please correct the marked amounts.", errors=errors)
    db.session.execute(CourseCredit.__table__.delete().where(CourseCredit.course_id == course.id))
    db.session.add_all(CourseCredit(course_id=course.id, credit_type_id=type_id, amount=amount)
                       for type_id, amount in chosen.items())
    db.session.flush()
    return course
