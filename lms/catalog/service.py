"""The public catalog: searching published courses and reading one course's page.

Every function returns plain data (frozen dataclasses) with everything a page or
the API shows already loaded, so templates run no queries. Enrolment and signup
codes are in :mod:`lms.catalog.enrolment`, topics in :mod:`lms.catalog.topics`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from markupsafe import Markup
from sqlalchemy import ColumnElement, Integer, Row, Select, bindparam, exists, func, select
from sqlalchemy.orm import joinedload, selectinload

from lms import memo
from lms.accounts.models import CAREER_STAGES, User
from lms.catalog import access
from lms.catalog.markdown import render_markdown
from lms.catalog.models import (
    FORMATS,
    Course,
    CourseAudience,
    CourseInstructor,
    Enrollment,
    Item,
    Module,
    Topic,
    course_topic,
)
from lms.catalog.search import apply_search
from lms.errors import NotFound, ValidationError
from lms.extensions import db, utcnow

#: Sort keys and their labels; "relevance" applies only when searching.
SORTS: dict[str, str] = {
    "relevance": "Best match",
    "newest": "Newest first",
    "title": "Title (A–Z)",
    "ce_hours": "CE hours (fewest first)",
    "ce_hours_desc": "CE hours (most first)",
}
MAX_PER_PAGE = 100
MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class TopicRef:
    slug: str
    name: str


@dataclass(frozen=True)
class PersonRef:
    id: int
    name: str


@dataclass(frozen=True)
class CourseSummary:
    """What a catalog card and ``GET /api/v1/courses`` show of a published course."""

    id: int
    slug: str
    title: str
    summary: str
    format: str
    ce_hours: Decimal
    topics: tuple[TopicRef, ...]
    instructors: tuple[PersonRef, ...]
    recorded_on: date | None
    published_at: datetime | None


@dataclass(frozen=True)
class CatalogFilters:
    q: str = ""
    topic: str | None = None
    format: str | None = None
    career_stage: str | None = None
    ce_min: Decimal | None = None
    ce_max: Decimal | None = None


def search_courses(q: str | None = None, topic: str | None = None, format: str | None = None,
                   career_stage: str | None = None, ce_min: Decimal | None = None,
                   ce_max: Decimal | None = None, sort: str | None = None, page: int = 1,
                   per_page: int = 20) -> tuple[list[CourseSummary], int]:
    """Published courses matching the text and filters: one page of summaries, and the total.

    ``q`` is free text (words, "phrases", ``or``, ``-word``) searched in title,
    summary, description and presenters; ``topic`` is a topic slug. ``sort``
    defaults to relevance when searching and newest otherwise.
    Raises ValidationError naming each bad argument.
    """
    filters = CatalogFilters((q or "").strip()[:MAX_QUERY_LENGTH], topic or None,
                             format or None, career_stage or None, ce_min, ce_max)
    _check_arguments(filters, sort, page, per_page)
    stmt, rank = apply_search(select(Course), filters.q, db.engine.dialect.name)
    stmt = _filtered(stmt, filters).add_columns(func.count().over().label("total"))
    stmt = stmt.order_by(*_ordering(sort, rank)).limit(per_page).offset((page - 1) * per_page)
    rows = db.session.execute(stmt.options(*_summary_loads())).all()
    # The window count rides on each row; only a page past the end needs its own count.
    total = rows[0].total if rows else (_count(filters) if page > 1 else 0)
    return [summarize(row.Course) for row in rows], total


def newest_courses(limit: int = 6) -> list[CourseSummary]:
    """The most recently published courses, for the home page."""
    return search_courses(sort="newest", per_page=limit)[0]


def _check_arguments(filters: CatalogFilters, sort: str | None, page: int, per_page: int) -> None:
    errors: dict[str, list[str]] = {}
    if filters.format and filters.format not in FORMATS:
        errors["format"] = [f"Choose one of: {', '.join(FORMATS)}."]
    if filters.career_stage and filters.career_stage not in CAREER_STAGES:
        errors["career_stage"] = [f"Choose one of: {', '.join(CAREER_STAGES)}."]
    for name in ("ce_min", "ce_max"):
        value = getattr(filters, name)
        if value is not None and (not value.is_finite() or value < 0):
            errors[name] = ["Give a number of hours, 0 or more."]
    if filters.ce_min is not None and filters.ce_max is not None and "ce_min" not in errors \
            and "ce_max" not in errors and filters.ce_min > filters.ce_max:
        errors["ce_max"] = ["The maximum must not be below the minimum."]
    if sort and sort not in SORTS:
        errors["sort"] = [f"Sort by one of: {', '.join(SORTS)}."]
    if page < 1:
        errors["page"] = ["Pages start at 1."]
    if not 1 <= per_page <= MAX_PER_PAGE:
        errors["per_page"] = [f"Between 1 and {MAX_PER_PAGE}."]
    if errors:
        raise ValidationError("Some search options are not valid.", errors=errors)


def _filtered(stmt: Select, filters: CatalogFilters) -> Select:
    stmt = stmt.where(Course.status == "published")
    if filters.topic:
        stmt = stmt.where(exists().where(
            course_topic.c.course_id == Course.id, course_topic.c.topic_id == Topic.id,
            Topic.slug == filters.topic))
    if filters.format:
        stmt = stmt.where(Course.format == filters.format)
    if filters.career_stage:
        stmt = stmt.where(exists().where(
            CourseAudience.course_id == Course.id,
            CourseAudience.career_stage == filters.career_stage))
    if filters.ce_min is not None:
        stmt = stmt.where(Course.ce_hours >= filters.ce_min)
    if filters.ce_max is not None:
        stmt = stmt.where(Course.ce_hours <= filters.ce_max)
    return stmt


def _ordering(sort: str | None, rank: ColumnElement | None) -> list[ColumnElement]:
    newest = func.coalesce(Course.published_at, Course.created_at).desc()
    if sort in (None, "", "relevance") and rank is not None:
        return [rank, newest, Course.id.desc()]
    orders = {
        "title": [func.lower(Course.title).asc()],
        "ce_hours": [Course.ce_hours.asc()],
        "ce_hours_desc": [Course.ce_hours.desc()],
    }
    return [*orders.get(sort or "newest", [newest]), newest, Course.id.desc()]


def _count(filters: CatalogFilters) -> int:
    """The total when the requested page is past the end (the window count came back empty)."""
    stmt, _ = apply_search(select(Course.id), filters.q, db.engine.dialect.name)
    counted = select(func.count()).select_from(_filtered(stmt, filters).subquery())
    return db.session.execute(counted).scalar_one()


def _summary_loads() -> list:
    return [selectinload(Course.topics),
            selectinload(Course.instructor_links).joinedload(CourseInstructor.user)]


def summarize(course: Course) -> CourseSummary:
    return CourseSummary(
        id=course.id, slug=course.slug, title=course.title, summary=course.summary,
        format=course.format, ce_hours=course.ce_hours,
        topics=tuple(TopicRef(t.slug, t.name) for t in course.topics),
        instructors=tuple(PersonRef(u.id, u.name) for u in course.instructors),
        recorded_on=course.recorded_on, published_at=course.published_at)


# The course page ---------------------------------------------------------------------


@dataclass(frozen=True)
class ItemOutline:
    id: int
    kind: str
    title: str
    position: int
    required: bool
    #: Length of the item's recording (video or audio file), when known.
    duration_seconds: float | None


@dataclass(frozen=True)
class ModuleOutline:
    id: int
    title: str
    position: int
    items: tuple[ItemOutline, ...]

    @property
    def duration_seconds(self) -> float:
        return sum(item.duration_seconds or 0 for item in self.items)


@dataclass(frozen=True)
class ProgressSummary:
    """A member's progress in a course, as its page shows it."""

    percent: int
    #: Required items the member has completed, and all the course's required items.
    done: int
    required: int


@dataclass(frozen=True)
class ProgressSource:
    """How the course page learns a member's progress: catalog cannot work it out;
    progress can, and registers one from its ``receivers.connect()``.

    ``stamp(user_id)``: SQL read in the page's first statement, naming what the
    member's progress is computed from (so a kept result costs no statement).
    ``summary(user_id, row)``: the summary, from a row with the course's ``id, slug,
    title, in_order, updated_at``, the member's ``completed_at`` and ``progress_stamp``.
    """

    stamp: Callable[[Any], ColumnElement]
    summary: Callable[[int, Row], ProgressSummary]


#: The registered source (at most one).
_progress_sources: list[ProgressSource] = []


def register_progress_source(source: ProgressSource) -> None:
    _progress_sources[:] = [source]


@dataclass(frozen=True)
class EnrolmentState:
    enrolled_at: datetime
    completed_at: datetime | None
    access_ends_at: datetime | None
    read_only: bool
    #: The member's progress (the course page only; None elsewhere).
    progress: ProgressSummary | None = None


@dataclass(frozen=True)
class CourseDetail:
    """Everything the course page and ``GET /api/v1/courses/{id}`` show."""

    summary: CourseSummary
    status: str
    access: str
    description: str
    description_html: Markup
    outcomes: tuple[str, ...]
    presenters: tuple[str, ...]
    audience: tuple[str, ...]
    certificate_enabled: bool
    in_order: bool
    enrol_window_days: int | None
    modules: tuple[ModuleOutline, ...]
    #: The viewer's enrolment, or None (also for anonymous visitors).
    enrollment: EnrolmentState | None
    #: True when the viewer may edit the course (its instructors and staff).
    can_edit: bool
    #: The course's ``updated_at`` this page was built from (what it is kept under).
    version: datetime | None = None

    @property
    def duration_seconds(self) -> float:
        return sum(module.duration_seconds for module in self.modules)

    @property
    def first_item_id(self) -> int | None:
        return next((item.id for module in self.modules for item in module.items), None)


def get_course_page(actor: User | None, slug: str) -> CourseDetail:
    """The course with this slug as its page shows it to ``actor``, with an enrolled
    member's progress.

    Raises NotFound for unknown slugs, and for drafts and archived courses unless
    the actor is one of their instructors or staff.
    """
    return _detail(actor, "slug", slug, with_progress=True)


def get_course_detail(actor: User | None, course_id: int) -> CourseDetail:
    """Like :func:`get_course_page`, by id (for the API). Raises NotFound."""
    return _detail(actor, "id", course_id)


#: Course pages as everyone sees them, by course id, kept under the course's ``updated_at``
#: (``catalog.freshness`` moves it whenever anything the page shows changes).
_pages: memo.StampedCache[CourseDetail] = memo.StampedCache()


def _detail(actor: User | None, by: str, key: int | str, *,
            with_progress: bool = False) -> CourseDetail:
    # The stamp comes first, with the viewer's enrolment (and progress stamp): one round
    # trip when the page is kept, and a kept page is never older than the stamp it is
    # kept under.
    source = _progress_sources[0] if with_progress and _progress_sources else None
    row = db.session.execute(_stamp_statement(by, source), {
        "key": key, "user_id": actor.id if actor is not None else None}).first()
    if row is None:
        raise NotFound("No such course.")
    detail = _pages.get(row.id, row.updated_at, lambda: _load_detail(row.id))
    can_edit = _edits(actor, detail)
    if detail.status != "published" and not can_edit:
        raise NotFound("No such course.")
    if actor is None or row.enrolled_at is None:
        return replace(detail, can_edit=can_edit, enrollment=None)
    return replace(detail, can_edit=can_edit, enrollment=EnrolmentState(
        row.enrolled_at, row.completed_at, row.access_ends_at,
        access.ends_before(row.access_ends_at, utcnow()),
        source.summary(actor.id, row) if source else None))


@cache
def _stamp_statement(by: str, source: ProgressSource | None = None):
    """The course's id, ``updated_at`` and what progress needs of it, by ``id`` or
    ``slug``, with the viewer's enrolment (none for visitors: no member has id NULL) and
    ``source``'s progress stamp. Built once per column and source."""
    column = Course.id if by == "id" else Course.slug
    user_id = bindparam("user_id", type_=Integer)
    stamp = (source.stamp(user_id).label("progress_stamp"),) if source else ()
    return (select(Course.id, Course.updated_at, Course.slug, Course.title, Course.in_order,
                   Enrollment.enrolled_at, Enrollment.completed_at, Enrollment.access_ends_at,
                   *stamp)
            .outerjoin(Enrollment, (Enrollment.course_id == Course.id)
                       & (Enrollment.user_id == user_id))
            .where(column == bindparam("key", type_=column.type)))


def _load_detail(course_id: int) -> CourseDetail:
    """The course page without the viewer's part (``enrollment`` None, ``can_edit`` False)."""
    # Topics, audience and instructors are a handful of rows each: joined to the course,
    # with the items joined to their modules, the page takes two queries however long
    # the outline is (an enrolled member's progress, when it moved, needs two more).
    stmt = select(Course).where(Course.id == course_id).options(
        joinedload(Course.topics), joinedload(Course.audience),
        joinedload(Course.instructor_links).joinedload(CourseInstructor.user),
        selectinload(Course.modules).joinedload(Module.items).joinedload(Item.media))
    course = db.session.execute(stmt).unique().scalar_one()
    return CourseDetail(
        summary=summarize(course), status=course.status, access=course.access,
        description=course.description, description_html=render_markdown(course.description),
        outcomes=_lines(course.outcomes), presenters=_lines(course.presenters),
        audience=tuple(stage for stage in CAREER_STAGES
                       if stage in {a.career_stage for a in course.audience}),
        certificate_enabled=course.certificate_enabled, in_order=course.in_order,
        enrol_window_days=course.enrol_window_days,
        modules=tuple(_module_outline(module) for module in course.modules),
        enrollment=None, can_edit=False, version=course.updated_at)


def _edits(actor: User | None, detail: CourseDetail) -> bool:
    """``access.can_edit`` answered from the page's instructors (no extra query)."""
    if actor is None:
        return False
    return actor.is_admin or any(person.id == actor.id for person in detail.summary.instructors)


def _module_outline(module: Module) -> ModuleOutline:
    items = tuple(
        ItemOutline(id=item.id, kind=item.kind, title=item.title, position=item.position,
                    required=item.is_required,
                    duration_seconds=item.media.duration_seconds if item.media else None)
        for item in module.items)
    return ModuleOutline(id=module.id, title=module.title, position=module.position, items=items)


def _lines(value: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in (value or "").splitlines() if line.strip())
