"""Catalog's answers to questions lower domains cannot ask themselves."""

from __future__ import annotations

from sqlalchemy import exists, or_, select, union
from sqlalchemy.orm import contains_eager

from lms.accounts.models import User
from lms.catalog.access import lock_message
from lms.catalog.models import Caption, CourseInstructor, Enrollment, Item, Module
from lms.errors import Conflict
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
    """Editors of a course that uses the asset may view it, and members enrolled in one
    where an item using it is open to them: a locked item's video, captions, slides or
    file wait until it unlocks (Conflict, saying why). One query, and the locks only for
    courses that have any."""
    if user is None:
        return False
    editor = exists().where(CourseInstructor.user_id == user.id,
                            CourseInstructor.course_id == Module.course_id)
    captioned = select(Caption.item_id).where(Caption.media_id == asset.id)
    rows = db.session.execute(
        select(Item, Enrollment, editor.label("editor"))
        .join(Item.module).join(Module.course)
        .outerjoin(Enrollment, (Enrollment.course_id == Module.course_id)
                   & (Enrollment.user_id == user.id))
        .where(or_(Item.media_id == asset.id, Item.slides_media_id == asset.id,
                   Item.id.in_(captioned)))
        .options(contains_eager(Item.module).contains_eager(Module.course))).all()
    if any(row.editor for row in rows):
        return True
    locks = [lock_message(user, row.Item, row.Enrollment) for row in rows
             if row.Enrollment is not None]
    if any(message is None for message in locks):
        return True
    if locks:
        raise Conflict(locks[0])
    return False


def connect() -> None:
    from lms.catalog import freshness

    register_access_check(may_view_course_media)
    freshness.connect()
