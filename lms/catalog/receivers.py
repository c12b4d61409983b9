"""Catalog's answers to questions lower domains cannot ask themselves."""

from __future__ import annotations

from sqlalchemy import exists, or_, select, union

from lms.accounts.models import User
from lms.catalog.models import Caption, CourseInstructor, Enrollment, Item, Module
from lms.extensions import db
from lms.media.access import register_access_check
from lms.media.models import MediaAsset


def courses_using(asset: MediaAsset):
    """A subquery of the ids of courses whose items use ``asset`` (media, slides, captions)."""
    by_item = (select(Module.course_id).join(Item, Item.module_id == Module.id)
               .where(or_(Item.media_id == asset.id, Item.slides_media_id == asset.id)))
    by_caption = (select(Module.course_id).join(Item, Item.module_id == Module.id)
                  .join(Caption, Caption.item_id == Item.id).where(Caption.media_id == asset.id))
    return union(by_item, by_caption).subquery()


def may_view_course_media(user: User | None, asset: MediaAsset) -> bool:
    """Members enrolled in, and editors of, a course that uses the asset may view it."""
    if user is None:
        return False
    course_ids = select(courses_using(asset).c.course_id)
    enrolled = exists().where(Enrollment.user_id == user.id,
                              Enrollment.course_id.in_(course_ids))
    editor = exists().where(CourseInstructor.user_id == user.id,
                            CourseInstructor.course_id.in_(course_ids))
    return bool(db.session.execute(select(or_(enrolled, editor))).scalar())


def connect() -> None:
    from lms.catalog import freshness

    register_access_check(may_view_course_media)
    freshness.connect()
