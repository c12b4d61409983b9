"""Course percents of many members at once, for reports: in SQL where locks do not
decide which items count, so the database can sum them, sort by them and page."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Integer, Subquery, bindparam, case, func, select

from lms.catalog.models import Course, Enrollment, Item, Module
from lms.extensions import db
from lms.progress.loading import course_progress_many
from lms.progress.models import ItemProgress


@dataclass(frozen=True)
class PercentSQL:
    """A course's percent in SQL: ``shares`` (``user_id, done``) to outer-join on the
    member's id, and ``value``, the percent read from it and ``Enrollment.completed_at``."""
    shares: Subquery
    value: ColumnElement[int]


def course_percents(course: Course, user_ids: Iterable[int] | None = None) -> dict[int, int]:
    """``{member id: percent}`` for the course's enrolled members (``user_ids`` only,
    when given), in 2 queries: the same numbers as ``course_progress_many(...)[id].percent``.

    Courses with locks (in order, or module prerequisites) go through ``compute``,
    since locks change which items count.
    """
    ids = None if user_ids is None else list(user_ids)
    percent = percent_sql(course, ids)
    if percent is None:
        return {user_id: progress.percent
                for user_id, progress in course_progress_many(course, ids).items()}
    query = (select(Enrollment.user_id, percent.value)
             .outerjoin(percent.shares, percent.shares.c.user_id == Enrollment.user_id)
             .where(Enrollment.course_id == course.id))
    if ids is not None:
        query = query.where(Enrollment.user_id.in_(ids))
    return {user_id: int(value) for user_id, value in db.session.execute(query)}


def percent_sql(course: Course, user_ids: list[int] | None = None) -> PercentSQL | None:
    """The course's percent as SQL (1 query for its items), summing the progress of
    ``user_ids`` or of everyone; None for a course with locks.

    Each required item's share, exactly as ``outline._share``: done items count 1,
    started videos ``min(percent, min_watch) / min_watch``; scaled to integers over
    the least common multiple of the videos' ``min_watch_percent``, so no float can
    move a percent. The percent is ``floor(100 × done / (scale × required))``, at most
    99 until the course is completed, then 100.
    """
    items = db.session.execute(
        select(Module.prerequisite_id, Item.kind, Item.min_watch_percent, Item.is_required)
        .outerjoin(Item, Item.module_id == Module.id).where(Module.course_id == course.id)).all()
    if course.in_order or any(row.prerequisite_id is not None for row in items):
        return None
    required = [row for row in items if row.is_required]
    scale = math.lcm(1, *{row.min_watch_percent for row in required
                          if row.kind == "video" and row.min_watch_percent > 0})
    shares = _shares(course.id, scale, user_ids)
    whole = bindparam("whole", scale * len(required), type_=Integer)
    done = 100 * func.coalesce(shares.c.done, 0) // whole if required else 0
    value = case((Enrollment.completed_at.is_not(None), 100), (done > 99, 99), else_=done) \
        if required else case((Enrollment.completed_at.is_not(None), 100), else_=0)
    return PercentSQL(shares, value)


def _shares(course_id: int, scale: int, user_ids: list[int] | None) -> Subquery:
    """Each member's sum over the course's required items of their share × ``scale``."""
    video = (Item.kind == "video") & (Item.min_watch_percent > 0)
    watched = case((ItemProgress.percent >= Item.min_watch_percent, Item.min_watch_percent),
                   else_=ItemProgress.percent)
    numerator = case((ItemProgress.status == "completed",
                      case((video, Item.min_watch_percent), else_=1)),
                     (video, watched), else_=0)
    denominator = case((video, Item.min_watch_percent), else_=1)
    per_share = bindparam("scale", scale, type_=Integer) // denominator
    query = (select(ItemProgress.user_id, func.sum(numerator * per_share).label("done"))
             .join(Item, Item.id == ItemProgress.item_id)
             .join(Module, Module.id == Item.module_id)
             .where(Module.course_id == course_id, Item.is_required)
             .group_by(ItemProgress.user_id))
    if user_ids is not None:
        query = query.where(ItemProgress.user_id.in_(user_ids))
    return query.subquery("shares")
