"""The instructor's report of one course: every member's progress and best quiz score.

Percents come from ``course_percents``, the same numbers as the member's own
progress API, so the report can never disagree with it. A fixed number of
queries whatever the number of members: the course and the permission check,
the counts, one page of members sorted and paged by the database, their progress
sums, one aggregate for their best scores and one for the course's quizzes.
Nothing is written.
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
from lms.progress.percents import PercentSQL, course_percents, percent_sql
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
    """A member's enrolment columns, read for one page of the report."""
    member_id: int
    name: str
    enrolled_at: datetime
    completed_at: datetime | None
    completed_by: str | None


def course_report(actor: User | None, course_id: int, *, sort: str = "name",
                  descending: bool = False, page: int = 1, per_page: int | None = None,
                  clamp_page: bool = False) -> CourseReport:
    """Enrolled members' rows, sorted; for the course's instructors and site staff.

    The database sorts and pages (ties by name), so a page costs its own members'
    sums whatever the size of the course: only sorting by percent or best score
    has the database work out every member's value to order them by. A course
    with locks sorted by percent is the exception, computed member by member. A
    page past the end is empty, or the last page with ``clamp_page``; without
    ``per_page``, every member.

    Raises NotFound (no such course, or a draft the actor may not see), Unauthorized
    (anonymous), Forbidden (neither an instructor of the course nor staff) and
    ValidationError (unknown sort column).
    """
    if sort not in SORT_KEYS:
        raise ValidationError("Unknown sort column.", errors={
            "sort": [f"Sort by one of: {', '.join(SORT_KEYS)}."]})
    course = get_editable_course(actor, course_id)
    total, completed = _counts(course.id)
    if per_page is None:
        page = 1
    elif clamp_page:
        page = min(page, max(1, math.ceil(total / per_page)))
    offset = (page - 1) * per_page if per_page else 0
    percent = percent_sql(course) if sort == "percent" else None
    if sort == "percent" and percent is None:  # locks: only compute() knows the percents
        everyone = _rows_by_percent(course, descending)
        rows = everyone[offset:offset + per_page] if per_page else everyone
    else:
        members = _members(course, sort, descending, percent, limit=per_page, offset=offset)
        rows = _member_rows(course, members, None if per_page is None
                            else [m.member_id for m in members])
    return CourseReport(course_id=course.id, title=course.title, slug=course.slug, rows=rows,
                        quizzes=_quizzes(course.id), sort=sort, descending=descending,
                        total=total, completed=completed, page=page)


def _counts(course_id: int) -> tuple[int, int]:
    """Members enrolled in the course, and how many of them completed it."""
    total, completed = db.session.execute(
        select(func.count(Enrollment.id), func.count(Enrollment.completed_at))
        .where(Enrollment.course_id == course_id)).one()
    return total, completed


def _members(course: Course, sort: str = "name", descending: bool = False,
             percent: PercentSQL | None = None, *, limit: int | None = None,
             offset: int = 0) -> list[_Enrolled]:
    """One page of the course's enrolments, ordered by ``sort`` with members lacking a
    value (not completed, no score) last and ties by name. Sorting by percent needs
    the course's ``percent`` SQL."""
    setter = aliased(User)
    # A subquery, not a join: the database looks up the page's setters alone, after
    # sorting (a join hashed every member of the site first: 52 → 35 ms on large).
    setter_name = (select(setter.name).where(setter.id == Enrollment.completed_by_id)
                   .scalar_subquery())
    query = (select(User.id, User.name, Enrollment.enrolled_at, Enrollment.completed_at,
                    setter_name)
             .join(Enrollment, Enrollment.user_id == User.id)
             .where(Enrollment.course_id == course.id))
    name = func.lower(User.name)
    if sort == "name":
        order = [name.desc(), User.id.desc()] if descending else [name, User.id]
    else:
        if sort == "percent":
            query = query.outerjoin(percent.shares, percent.shares.c.user_id == User.id)
            value = percent.value
        elif sort == "best_score":
            best = _best_select(course.id).subquery("best")
            query = query.outerjoin(best, best.c.user_id == User.id)
            value = best.c.score
        else:
            value = getattr(Enrollment, sort)
        order = [value.is_(None), value.desc() if descending else value.asc(), name, User.id]
    return [_Enrolled(*row) for row in db.session.execute(
        query.order_by(*order).limit(limit).offset(offset))]


def _member_rows(course: Course, members: list[_Enrolled], ids: list[int] | None
                 ) -> list[MemberRow]:
    """Report rows of ``members``, whose ids are ``ids`` (None: every member of the
    course, so the sums need no list of ids)."""
    percents = course_percents(course, ids)
    best = _best_scores(course.id, ids)
    return [MemberRow(member_id=m.member_id, name=m.name, enrolled_at=m.enrolled_at,
                      percent=percents[m.member_id], completed_at=m.completed_at,
                      completed_by=m.completed_by if m.completed_at else None,
                      best_score=best.get(m.member_id))
            for m in members]


def _rows_by_percent(course: Course, descending: bool) -> list[MemberRow]:
    """Every member's row by percent, ties by name (for a course with locks, whose
    percents only ``compute`` knows)."""
    rows = _member_rows(course, _members(course), None)
    rows.sort(key=lambda row: row.percent, reverse=descending)
    return rows


def _best_select(course_id: int):
    """Each member's best submitted score over all the course's quizzes (``user_id, score``)."""
    return (select(Attempt.user_id, func.max(Attempt.score_percent).label("score"))
            .join(Quiz, Quiz.id == Attempt.quiz_id)
            .join(Item, Item.id == Quiz.item_id)
            .join(Module, Module.id == Item.module_id)
            .where(Module.course_id == course_id, Attempt.submitted_at.is_not(None),
                   Attempt.score_percent.is_not(None))
            .group_by(Attempt.user_id))


def _best_scores(course_id: int, user_ids: list[int] | None) -> dict[int, Decimal]:
    """Best scores of ``user_ids`` (or of every member) in one aggregate."""
    query = _best_select(course_id)
    if user_ids is not None:
        query = query.where(Attempt.user_id.in_(user_ids))
    return {user_id: _decimal(score) for user_id, score in db.session.execute(query)}


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
