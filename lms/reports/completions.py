"""The staff report: course completions and CE hours in a date range, grouped four ways.

Small groups are masked here, in the service, so the HTML page, the JSON and
the CSV can only ever show masked numbers. The total is always shown: the number
of completions in a range names no one, and a small library needs it most.

A group with fewer than ``MIN_GROUP`` completions is hidden, with its hours. The
total minus the groups shown is the sum of the hidden ones, so hiding small groups
alone is not enough: with one hidden group the total gives it away. So while a
reader who knows these rules could still work out a small group's count (each
small group holds 1 to 4 completions, each other hidden group at least 5 and no
more than the smallest group shown, since the smallest are hidden first), the
smallest group still shown is hidden too (complementary suppression). Every
hidden group looks the same, whether small or hidden to protect one: told apart,
a "<5" beside a hidden group with one completion to spare would be 1. If every
group is hidden and a small one can still be worked out (a single group, or two
completions in two groups), the breakdown is withheld and only the total shown.
``tests/reports/test_reports_completions.py`` checks this against a reader who
tries every possible count.

CE hours per completion: the member's certificate snapshot when it is valid,
none when it was revoked, and the course's CE hours when it issues no
certificate. Months are calendar months in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, extract, func, select

from lms.accounts.models import CAREER_STAGES, ORG_TYPES, User
from lms.catalog.models import Course, Enrollment
from lms.certificates.models import Certificate
from lms.database import is_postgres
from lms.dates import parse_date
from lms.errors import Forbidden, ValidationError
from lms.extensions import db

GROUPS: dict[str, str] = {
    "month": "Month",
    "course": "Course",
    "career_stage": "Career stage",
    "org_type": "Organisation type",
}
MIN_GROUP = 5
#: What a masked group shows instead of its count (small, or hidden to protect one).
HIDDEN = "hidden"
NOT_GIVEN = "Not given"
DEFAULT_MONTHS = 12


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    #: The count, or ``"hidden"`` (a small group, or one hidden to protect a small one).
    completions: int | str
    #: None whenever the count is masked.
    ce_hours: Decimal | None

    @property
    def is_masked(self) -> bool:
        return isinstance(self.completions, str)


@dataclass(frozen=True)
class CompletionReport:
    group: str
    start: date
    end: date
    #: Empty when there are no completions, or the breakdown is withheld.
    groups: list[Group]
    total: Group
    #: True when no breakdown can be shown without giving a small group away.
    withheld: bool = False


def completions_report(actor: User | None, *, start: date, end: date,
                       group: str = "month") -> CompletionReport:
    """Completions and CE hours from ``start`` to ``end`` (both inclusive), masked.

    Raises Forbidden (not site staff) and ValidationError (unknown group, end before start).
    """
    require_staff(actor)
    if group not in GROUPS:
        raise ValidationError("Unknown grouping.", errors={
            "group": [f"Group by one of: {', '.join(GROUPS)}."]})
    if end < start:
        raise ValidationError("The range ends before it starts.", errors={
            "to": ["Choose a date on or after the start date."]})
    raw = _aggregate(group, start, end)
    total = Group("total", "Total", sum(count for _, _, count, _ in raw),
                  sum((hours for _, _, _, hours in raw), Decimal("0.00")))
    groups = mask_groups(raw)
    return CompletionReport(group=group, start=start, end=end, groups=groups or [],
                            total=total, withheld=groups is None)


def require_staff(actor: User | None) -> User:
    """Raises Forbidden unless ``actor`` is site staff (checked before parsing anything)."""
    if actor is None or not actor.is_admin:
        raise Forbidden("Only site staff can see completion reports.")
    return actor


def parse_range(raw_from: str | None, raw_to: str | None, today: date) -> tuple[date, date]:
    """``from``/``to`` query values (ISO dates); by default the last twelve months to today.

    Raises ValidationError naming the field that is not a date.
    """
    end = _parse_date("to", raw_to) or today
    start = _parse_date("from", raw_from) or _months_before(end, DEFAULT_MONTHS - 1)
    return start, end


def _parse_date(field: str, raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return parse_date(raw)
    except ValueError:
        raise ValidationError("Dates look like 2025-01-31.", errors={
            field: ["Enter a date as YYYY-MM-DD."]}) from None


def _months_before(day: date, months: int) -> date:
    """The first day of the month ``months`` before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def mask_groups(raw: list[tuple[str, str, int, Decimal]]) -> list[Group] | None:
    """Groups from (key, label, count, hours), masked as the module says; None when the
    breakdown must be withheld."""
    counts = {key: count for key, _, count, _ in raw}
    small = {key for key, count in counts.items() if count < MIN_GROUP}
    hidden: list[str] = []
    shown = sorted((count, key) for key, count in counts.items() if key not in small)
    while _given_away([counts[key] for key in small], [counts[key] for key in hidden],
                      [count for count, _ in shown]):
        if not shown:
            return None
        hidden.append(shown.pop(0)[1])
    return [Group(key, label, HIDDEN, None) if key in small or key in hidden
            else Group(key, label, count, hours)
            for key, label, count, hours in raw]


def _given_away(small_counts: list[int], hidden_counts: list[int],
                shown_counts: list[int]) -> bool:
    """Whether a reader of the shown counts and the total can tell the exact count of a
    small group: the masked groups add up to ``masked``; each small one holds 1 to
    ``MIN_GROUP - 1``, each hidden one ``MIN_GROUP`` to the smallest count shown."""
    if not small_counts:
        return False
    masked = sum(small_counts) + sum(hidden_counts)
    ceiling = min(shown_counts, default=masked)
    bounds = [(1, MIN_GROUP - 1)] * len(small_counts) + [(MIN_GROUP, ceiling)] * len(
        hidden_counts)
    low_sum, high_sum = sum(low for low, _ in bounds), sum(high for _, high in bounds)
    for low, high in bounds[:len(small_counts)]:
        # This group's range, given that the others fit theirs and all add up to ``masked``.
        least = max(low, masked - (high_sum - high))
        most = min(high, masked - (low_sum - low))
        if least == most:
            return True
    return False


def _hours():
    """CE hours one completion earns (see the module docstring)."""
    return case((Certificate.id.is_(None), Course.ce_hours),
                (Certificate.revoked_at.is_(None), Certificate.ce_hours),
                else_=0)


def _aggregate(group: str, start: date, end: date) -> list[tuple[str, str, int, Decimal]]:
    """(key, label, completions, CE hours) per group, in display order (one query)."""
    columns = _group_columns(group)
    query = (
        select(*columns, func.count(Enrollment.id), func.coalesce(func.sum(_hours()), 0))
        .join(User, User.id == Enrollment.user_id)
        .join(Course, Course.id == Enrollment.course_id)
        .outerjoin(Certificate, and_(Certificate.user_id == Enrollment.user_id,
                                     Certificate.course_id == Enrollment.course_id,
                                     Certificate.edition == Enrollment.edition))
        .where(Enrollment.completed_at >= _at_midnight(start),
               Enrollment.completed_at < _at_midnight(end + timedelta(days=1)))
        .group_by(*columns))
    rows = [_labelled(group, row[:-2], row[-2], row[-1]) for row in db.session.execute(query)]
    return sorted(rows, key=lambda row: row[0] if group == "month" else row[1].casefold())


def _group_columns(group: str) -> list:
    if group == "month":
        stamp = Enrollment.completed_at
        if is_postgres():
            stamp = func.timezone("UTC", stamp)  # months in UTC whatever the session's zone
        return [extract("year", stamp), extract("month", stamp)]
    if group == "course":
        return [Course.id, Course.title]
    column = User.career_stage if group == "career_stage" else User.org_type
    return [func.coalesce(column, "")]


def _labelled(group: str, keys, count: int, hours) -> tuple[str, str, int, Decimal]:
    hours = Decimal(str(hours)).quantize(Decimal("0.01"))
    if group == "month":
        month = date(int(keys[0]), int(keys[1]), 1)
        return month.strftime("%Y-%m"), month.strftime("%B %Y"), count, hours
    if group == "course":
        return str(keys[0]), keys[1], count, hours
    names = CAREER_STAGES if group == "career_stage" else ORG_TYPES
    key = keys[0] or ""
    return key, names.get(key, key or NOT_GIVEN), count, hours


def _at_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)
