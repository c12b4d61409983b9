"""Course progress for one member or many, in a fixed number of queries.

These are the functions other domains call (reports, certificates, dashboards).
They check no permissions: callers decide who may see whose progress.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Integer, any_, literal, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import aliased

from lms import memo
from lms.accounts.models import User
from lms.catalog.access import enrollment_of
from lms.catalog.models import Course, Enrollment, Item, Module
from lms.database import is_postgres
from lms.extensions import db
from lms.media.models import MediaAsset
from lms.progress.models import ItemProgress
from lms.progress.outline import (
    CourseProgress,
    Facts,
    ItemInfo,
    ModuleInfo,
    Outline,
    compute,
)
from lms.progress.quizinfo import quiz_settings


def load_outline(course: Course) -> Outline:
    """The course's modules and items as plain data (1 query, 2 with quizzes)."""
    return load_outlines([course])[course.id]


#: Outlines by course id, kept under the course's ``updated_at`` (``catalog.freshness``
#: moves it when modules, items, media durations or quiz settings change).
_outlines: memo.StampedCache[Outline] = memo.StampedCache()


def load_outlines(courses: Iterable[Course]) -> dict[int, Outline]:
    """Outlines of several courses by course id, in 1 query (2 with quizzes), or none when
    every outline is kept from an earlier request.

    Plain columns, not ORM objects: a dashboard outlines hundreds of items. A course
    is anything with ``id, updated_at, slug, title, in_order`` (a model or a row).
    """
    by_id = {course.id: course for course in courses}
    outlines = {course_id: _outlines.peek(course_id, course.updated_at)
                for course_id, course in by_id.items()}
    missing = [by_id[course_id] for course_id, outline in outlines.items() if outline is None]
    if missing:
        for outline in _query_outlines(missing):
            _outlines.put(outline.course_id, by_id[outline.course_id].updated_at, outline)
            outlines[outline.course_id] = outline
    return outlines


def _query_outlines(courses: list[Course]) -> list[Outline]:
    by_id = {course.id: course for course in courses}
    rows = db.session.execute(
        select(Module.course_id, Module.id, Module.title, Module.prerequisite_id, Item.id,
               Item.kind, Item.title, Item.is_required, Item.min_watch_percent,
               MediaAsset.duration_seconds)
        .select_from(Module).outerjoin(Item, Item.module_id == Module.id)
        .outerjoin(MediaAsset, MediaAsset.id == Item.media_id)
        .where(Module.course_id.in_(list(by_id)))
        .order_by(Module.course_id, Module.position, Module.id, Item.position, Item.id)).all()
    quizzes = quiz_settings([row[4] for row in rows if row[5] == "quiz"])
    modules: dict[int, dict[int, tuple]] = {course_id: {} for course_id in by_id}
    for course_id, module_id, title, prerequisite_id, item_id, *item in rows:
        _, _, items = modules[course_id].setdefault(module_id, (title, prerequisite_id, []))
        if item_id is not None:
            items.append(_item_info(item_id, module_id, *item, quizzes.get(item_id, {})))
    return [Outline(
        course_id=course_id, slug=course.slug, title=course.title, in_order=course.in_order,
        modules=tuple(ModuleInfo(id=module_id, title=title, prerequisite_id=prerequisite_id,
                                 items=tuple(items))
                      for module_id, (title, prerequisite_id, items)
                      in modules[course_id].items()))
        for course_id, course in by_id.items()]


def _item_info(item_id: int, module_id: int, kind: str, title: str, is_required: bool,
               min_watch_percent: int, duration: float | None, quiz: dict) -> ItemInfo:
    return ItemInfo(id=item_id, module_id=module_id, kind=kind, title=title,
                    is_required=is_required, duration=duration,
                    min_watch_percent=min_watch_percent, pass_percent=quiz.get("pass_percent"))


def load_facts(course_id: int, user_ids: Iterable[int]) -> dict[int, dict[int, Facts]]:
    """Progress facts by member id, then item id, for one course (1 query)."""
    setter = aliased(User)
    rows = db.session.execute(
        select(*FACT_COLUMNS, setter.name)
        .join(Item, Item.id == ItemProgress.item_id)
        .join(Module, Module.id == Item.module_id)
        .outerjoin(setter, setter.id == ItemProgress.set_by_id)
        .where(Module.course_id == course_id, ItemProgress.user_id.in_(list(user_ids)))).all()
    facts: dict[int, dict[int, Facts]] = {}
    for row in rows:
        facts.setdefault(row.user_id, {})[row.item_id] = _facts(row, row[-1])
    return facts


#: The columns facts are made of (no JSON intervals, no ORM objects: reports read thousands).
FACT_COLUMNS = (ItemProgress.user_id, ItemProgress.item_id, ItemProgress.status,
                ItemProgress.percent, ItemProgress.watched_seconds, ItemProgress.last_position,
                ItemProgress.last_report_at, ItemProgress.completed_at,
                ItemProgress.first_opened_at, ItemProgress.set_reason)


def _facts(row, setter_name: str | None) -> Facts:
    return Facts(
        status=row.status, percent=row.percent, watched_seconds=row.watched_seconds,
        last_position=row.last_position,
        last_activity_at=row.last_report_at or row.completed_at or row.first_opened_at,
        completed_at=row.completed_at, set_by=setter_name, set_reason=row.set_reason,
        first_opened_at=row.first_opened_at)


def load_member_facts(user_id: int, outlines: dict[int, Outline]
                      ) -> dict[int, dict[int, Facts]]:
    """One member's progress facts by course id, then item id, for these courses' outlines.

    One query on the member's rows by item id (no joins); a second reads the names of
    staff who set a status by hand, only when there are any.
    """
    course_of = {item.id: course_id for course_id, outline in outlines.items()
                 for item in outline.items}
    if not course_of:
        return {}
    rows = db.session.execute(
        select(*FACT_COLUMNS, ItemProgress.set_by_id)
        .where(ItemProgress.user_id == user_id, one_of(ItemProgress.item_id, course_of))).all()
    setters = _names({row.set_by_id for row in rows} - {None})
    facts: dict[int, dict[int, Facts]] = {}
    for row in rows:
        facts.setdefault(course_of[row.item_id], {})[row.item_id] = _facts(
            row, setters.get(row.set_by_id))
    return facts


def one_of(column, ids: Iterable[int]):
    """``column IN ids``; on PostgreSQL ``= ANY(:array)``, one parameter however many ids,
    which the server plans in microseconds instead of milliseconds for a hundred ids."""
    ids = list(ids)
    if is_postgres():
        return column == any_(literal(ids, type_=postgresql.ARRAY(Integer)))
    return column.in_(ids)


def _names(user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(user_ids))).all())


def course_progress(user: User, course: Course, *, enrollment: Enrollment | None = None,
                    preview: bool = False) -> CourseProgress:
    """Percent, per-module and per-item status, locks, what's left and where to resume.

    ``preview`` ignores locks (an editor looking through the course). 1–2 queries, and
    one more for the outline when the course changed since this process last read it.
    """
    if enrollment is None and not preview:
        enrollment = enrollment_of(user, course)
    outline = load_outline(course)
    facts = load_member_facts(user.id, {course.id: outline}).get(course.id, {})
    completed_at = enrollment.completed_at if enrollment else None
    return compute(outline, facts, completed_at, ignore_locks=preview)


def item_lock_reason(user: User, item: Item, enrollment: Enrollment) -> str | None:
    """Why ``item`` is locked for the enrolled member, or None: the gate progress registers
    with ``catalog.access`` (see ``receivers``), worked out by the same ``compute`` that
    every page of progress shows. No query for courses without order or prerequisites."""
    course = item.module.course
    if not course.in_order and item.module.prerequisite_id is None:
        return None
    status = course_progress(user, course, enrollment=enrollment).item(item.id)
    return status.lock_reason if status is not None and status.locked else None


def course_progress_many(course: Course, user_ids: Iterable[int] | None = None
                         ) -> dict[int, CourseProgress]:
    """Progress of many members of one course, by member id (same query count for any number).

    ``user_ids`` defaults to every enrolled member.
    """
    query = select(Enrollment.user_id, Enrollment.completed_at).where(
        Enrollment.course_id == course.id)
    if user_ids is not None:
        query = query.where(Enrollment.user_id.in_(list(user_ids)))
    completed = {row[0]: row[1] for row in db.session.execute(query)}
    outline = load_outline(course)
    facts = load_facts(course.id, completed)
    return {user_id: compute(outline, facts.get(user_id, {}), completed_at)
            for user_id, completed_at in completed.items()}
