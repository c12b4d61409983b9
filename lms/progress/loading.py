"""Course progress for one member or many, in a fixed number of queries.

These are the functions other domains call (reports, certificates, dashboards).
They check no permissions: callers decide who may see whose progress.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import aliased, selectinload

from lms.accounts.models import User
from lms.catalog.models import Course, Enrollment, Item, Module
from lms.extensions import db
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
    """The course's modules and items as plain data (3 queries, 4 with quizzes)."""
    modules = db.session.execute(
        select(Module).where(Module.course_id == course.id).order_by(Module.position, Module.id)
        .options(selectinload(Module.items).selectinload(Item.media))).scalars().all()
    quiz_ids = [item.id for module in modules for item in module.items if item.kind == "quiz"]
    quizzes = quiz_settings(quiz_ids)
    return Outline(
        course_id=course.id, slug=course.slug, title=course.title, in_order=course.in_order,
        modules=tuple(ModuleInfo(
            id=module.id, title=module.title, prerequisite_id=module.prerequisite_id,
            items=tuple(_item_info(item, quizzes.get(item.id, {})) for item in module.items))
            for module in modules))


def _item_info(item: Item, quiz: dict) -> ItemInfo:
    duration = item.media.duration_seconds if item.media is not None else None
    return ItemInfo(id=item.id, module_id=item.module_id, kind=item.kind, title=item.title,
                    is_required=item.is_required, duration=duration,
                    min_watch_percent=item.min_watch_percent,
                    pass_percent=quiz.get("pass_percent"))


def load_facts(course_id: int, user_ids: Iterable[int]) -> dict[int, dict[int, Facts]]:
    """Progress facts by member id, then item id, for one course (1 query)."""
    setter = aliased(User)
    rows = db.session.execute(
        select(ItemProgress, setter.name)
        .join(Item, Item.id == ItemProgress.item_id)
        .join(Module, Module.id == Item.module_id)
        .outerjoin(setter, setter.id == ItemProgress.set_by_id)
        .where(Module.course_id == course_id, ItemProgress.user_id.in_(list(user_ids)))).all()
    facts: dict[int, dict[int, Facts]] = {}
    for row, setter_name in rows:
        facts.setdefault(row.user_id, {})[row.item_id] = Facts(
            status=row.status, percent=row.percent, watched_seconds=row.watched_seconds,
            last_position=row.last_position,
            last_activity_at=row.last_report_at or row.completed_at or row.first_opened_at,
            completed_at=row.completed_at, set_by=setter_name, set_reason=row.set_reason)
    return facts


def course_progress(user: User, course: Course, *, enrollment: Enrollment | None = None,
                    preview: bool = False) -> CourseProgress:
    """Percent, per-module and per-item status, locks, what's left and where to resume.

    ``preview`` ignores locks (an editor looking through the course). About 5 queries.
    """
    if enrollment is None and not preview:
        enrollment = db.session.execute(select(Enrollment).where(
            Enrollment.user_id == user.id, Enrollment.course_id == course.id)
        ).scalar_one_or_none()
    facts = load_facts(course.id, [user.id]).get(user.id, {})
    completed_at = enrollment.completed_at if enrollment else None
    return compute(load_outline(course), facts, completed_at, ignore_locks=preview)


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
