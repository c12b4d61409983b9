"""The instructor's report of one course: every member's progress and best quiz score.

Percents come from ``course_percents``, the same numbers as the member's own
progress API, so the report can never disagree with it. A fixed number of
queries whatever the number of members: the course and the permission check,
members with their enrolments, the progress sums, one aggregate for best scores
and one for the course's quizzes; a page sorted by name or date sums only its own
members. Nothing is written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from lms.accounts.models import User
from lms.catalog.access import get_editable_course
from lms.catalog.models import Course, Enrollment, Item, Module
from lms.errors import Forbidden, ValidationError
from lms.extensions import db
from lms.progress.percents import course_percents
from lms.quizzes.models import Attempt, Quiz

#: Columns a report can be sorted by (query parameter ``sort``).
SORT_KEYS = ("name", "enrolled_at", "percent", "completed_at", "best_score")


@dataclass(frozen=True)
class MemberRow:
    member_id: int
    name: str
    enrolled_at: datetime
    percent: int
    completed_at: datetime | None
    #: Name of the staff member who marked the course complete by hand, if one did.
    completed_by: str | None
    #: Best score over the member's submitted attempts on the course's quizzes, in percent.
    best_score: Decimal | None


@dataclass(frozen=True)
class QuizLink:
    item_id: int
    title: str


@dataclass(frozen=True)
class CourseReport:
    course_id: int
    title: str
    slug: str
    #: The rows of the page asked for, sorted (every member when not paged).
    rows: list[MemberRow]
    quizzes: list[QuizLink]
    sort: str
    descending: bool
    #: Members in the whole report, and how many of them completed the course.
    total: int
    completed: int
    #: The page ``rows`` is (1 when not paged).
    page: int = 1


@dataclass(frozen=True)
class _Enrolled:
    """A member's enrolment columns: enough to sort by name and dates, and to page."""
    member_id: int
    name: str
    enrolled_at: datetime
    completed_at: datetime | None
    completed_by: str | None


#: Sort columns whose values need every member's progress or scores computed.
_COMPUTED_SORTS = ("percent", "best_score")


def course_report(actor: User | None, course_id: int, *, sort: str = "name",
                  descending: bool = False, page: int = 1, per_page: int | None = None,
                  clamp_page: bool = False) -> CourseReport:
    """Enrolled members' rows, sorted; for the course's instructors and site staff.

    With ``per_page``, only page ``page`` is computed: sorting by name or a date
    needs only the enrolments, so percents and scores are worked out for the page's
    members alone (a 5,000-member course costs 50 members' sums, not 5,000).
    Sorting by percent or best score computes every member's. A page past the end
    is empty, or the last page with ``clamp_page``.

    Raises NotFound (no such course, or a draft the actor may not see), Unauthorized
    (anonymous), Forbidden (neither an instructor of the course nor staff) and
    ValidationError (unknown sort column).
    """
    if sort not in SORT_KEYS:
        raise ValidationError("Unknown sort column.", errors={
            "sort": [f"Sort by one of: {', '.join(SORT_KEYS)}."]})
    course = get_editable_course(actor, course_id)
    members = _members(course.id)
    size = per_page or max(1, len(members))
    if clamp_page:
        page = min(page, max(1, math.ceil(len(members) / size)))
    shown = slice((page - 1) * size, page * size)
    if sort in _COMPUTED_SORTS:
        rows = sort_rows(_member_rows(course, members, every=True), sort, descending)[shown]
    else:
        page_members = sort_rows(members, sort, descending)[shown]
        rows = _member_rows(course, page_members, every=len(page_members) == len(members))
    return CourseReport(course_id=course.id, title=course.title, slug=course.slug, rows=rows,
                        quizzes=_quizzes(course.id), sort=sort, descending=descending,
                        total=len(members),
                        completed=sum(m.completed_at is not None for m in members), page=page)


def _member_rows(course: Course, members: list[_Enrolled], *, every: bool) -> list[MemberRow]:
    """Report rows of ``members`` (``every``: all the course's members, so the sums need
    no list of ids)."""
    ids = None if every else [m.member_id for m in members]
    progress = course_percents(course, ids,
                               completed={m.member_id: m.completed_at for m in members})
    best = _best_scores(course.id, ids)
    return [MemberRow(member_id=m.member_id, name=m.name, enrolled_at=m.enrolled_at,
                      percent=progress[m.member_id][0], completed_at=m.completed_at,
                      completed_by=m.completed_by if m.completed_at else None,
                      best_score=best.get(m.member_id))
            for m in members]


def sort_rows(rows: list, sort: str, descending: bool) -> list:
    """Rows (report rows or enrolments) by ``sort``; members without a value (not
    completed, no score) always last, ties by name."""
    def key(row):
        value = getattr(row, sort)
        return value.casefold() if isinstance(value, str) else value

    present = [row for row in rows if getattr(row, sort) is not None]
    missing = [row for row in rows if getattr(row, sort) is None]
    present.sort(key=lambda row: row.name.casefold())
    present.sort(key=key, reverse=descending)
    missing.sort(key=lambda row: row.name.casefold())
    return present + missing


def _members(course_id: int) -> list[_Enrolled]:
    """Every enrolment of the course, with the name of who set its completion by hand."""
    setter = aliased(User)
    return [_Enrolled(*row) for row in db.session.execute(
        select(User.id, User.name, Enrollment.enrolled_at, Enrollment.completed_at,
               setter.name)
        .join(Enrollment, Enrollment.user_id == User.id)
        .outerjoin(setter, setter.id == Enrollment.completed_by_id)
        .where(Enrollment.course_id == course_id))]


def _best_scores(course_id: int, user_ids: list[int] | None) -> dict[int, Decimal]:
    """Each member's (of ``user_ids``, or all) best submitted score over all the course's
    quizzes (one aggregate)."""
    query = (select(Attempt.user_id, func.max(Attempt.score_percent))
             .join(Quiz, Quiz.id == Attempt.quiz_id)
             .join(Item, Item.id == Quiz.item_id)
             .join(Module, Module.id == Item.module_id)
             .where(Module.course_id == course_id, Attempt.submitted_at.is_not(None),
                    Attempt.score_percent.is_not(None))
             .group_by(Attempt.user_id))
    if user_ids is not None:
        query = query.where(Attempt.user_id.in_(user_ids))
    rows = db.session.execute(query)
    return {user_id: _decimal(score) for user_id, score in rows}


def _decimal(value) -> Decimal:
    """SQLite hands aggregates of NUMERIC back as floats; keep two decimals exactly."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _quizzes(course_id: int) -> list[QuizLink]:
    rows = db.session.execute(
        select(Item.id, Item.title).join(Module, Module.id == Item.module_id)
        .where(Module.course_id == course_id, Item.kind == "quiz")
        .order_by(Module.position, Module.id, Item.position, Item.id))
    return [QuizLink(item_id=item_id, title=title) for item_id, title in rows]


@dataclass(frozen=True)
class CourseEntry:
    course_id: int
    title: str
    status: str
    members: int
    completed: int


def course_index(actor: User | None, *, page: int, per_page: int) -> tuple[list[CourseEntry],
                                                                           int]:
    """One page of every course by title with member and completion counts, for staff.

    Returns the page and the number of courses. Raises Forbidden unless staff.
    """
    if actor is None or not actor.is_admin:
        raise Forbidden("Only site staff can see every course's report.")
    total = db.session.execute(select(func.count(Course.id))).scalar_one()
    rows = db.session.execute(
        select(Course.id, Course.title, Course.status, func.count(Enrollment.id),
               func.count(Enrollment.completed_at))
        .outerjoin(Enrollment, Enrollment.course_id == Course.id)
        .group_by(Course.id, Course.title, Course.status)
        .order_by(func.lower(Course.title), Course.id)
        .limit(per_page).offset((page - 1) * per_page))
    return [CourseEntry(*row) for row in rows], total
