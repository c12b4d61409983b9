"""Every change to what a course shows moves the course's ``updated_at``.

Caches of course pages, outlines and item facts (:mod:`lms.memo`) are kept under
the course's ``updated_at``, so anything those pages show must move it when it
changes: its modules, items, captions and instructors, the media its items play,
a topic's or an instructor's name, and (registered by the quizzes domain) quiz
settings. A ``before_flush`` hook asks each changed object which courses it
belongs to and touches them in the same flush, so the new stamp commits with the
change itself. Progress, enrolments and attempts are not content: writing them
touches nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.catalog.models import (
    Caption,
    Course,
    CourseAudience,
    CourseInstructor,
    Item,
    Module,
    Topic,
    course_topic,
)
from lms.extensions import utcnow
from lms.media.models import MediaAsset

#: ``resolver(session, obj)`` → ids of the courses whose pages show ``obj``.
Resolver = Callable[[Session, object], Iterable[int]]
_resolvers: dict[type, Resolver] = {}


def register(model: type, resolver: Resolver) -> None:
    """Touch the courses ``resolver`` names when a ``model`` row is added, changed or deleted."""
    _resolvers[model] = resolver
    if not event.contains(Session, "before_flush", _touch_changed_courses):
        event.listen(Session, "before_flush", _touch_changed_courses)


def changed(obj: object, *names: str) -> bool:
    """True when any of the attributes ``names`` of ``obj`` has an unflushed change."""
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _touch_changed_courses(session: Session, _context, _instances) -> None:
    course_ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        resolver = _resolvers.get(type(obj))
        if resolver is not None:
            course_ids.update(cid for cid in resolver(session, obj) if cid is not None)
    if not course_ids:
        return
    now = utcnow()
    # One query for the courses not loaded yet (a media file may be used by many).
    courses = session.scalars(select(Course).where(Course.id.in_(course_ids))).all()
    for course in courses:
        if course not in session.deleted:
            course.updated_at = now


def _course_itself(session: Session, course: Course) -> Iterable[int]:
    # Column changes move updated_at by ``onupdate``; collections (topics, audience) do not.
    if course in session.dirty and session.is_modified(course):
        return (course.id,)
    return ()


def _module_course(module: Module | None) -> int | None:
    if module is None:
        return None
    return module.course_id if module.course_id is not None else (
        module.course.id if module.course is not None else None)


def _of_module(session: Session, module: Module) -> Iterable[int]:
    return (_module_course(module),)


def _of_item(session: Session, item: Item) -> Iterable[int]:
    module = item.module or (session.get(Module, item.module_id) if item.module_id else None)
    return (_module_course(module),)


def _of_caption(session: Session, caption: Caption) -> Iterable[int]:
    # A caption appended to ``item.captions`` has no item_id yet, but then its item is dirty.
    item = session.get(Item, caption.item_id) if caption.item_id else None
    return _of_item(session, item) if item is not None else ()


def _of_link(session: Session, link: CourseInstructor | CourseAudience) -> Iterable[int]:
    return (link.course_id,)


def _of_media(session: Session, asset: MediaAsset) -> Iterable[int]:
    if asset in session.new or (asset in session.dirty and not changed(
            asset, "duration_seconds", "original_name", "status", "renditions_status")):
        return ()
    from lms.catalog.receivers import courses_using

    return session.scalars(select(courses_using(asset).c.course_id)).all()


def _of_instructor(session: Session, user: User) -> Iterable[int]:
    if user in session.new or not changed(user, "name"):
        return ()
    return session.scalars(select(CourseInstructor.course_id)
                           .where(CourseInstructor.user_id == user.id)).all()


def _of_topic(session: Session, topic: Topic) -> Iterable[int]:
    if topic in session.new or (topic in session.dirty and not changed(topic, "name", "slug")):
        return ()
    return session.scalars(select(course_topic.c.course_id)
                           .where(course_topic.c.topic_id == topic.id)).all()


def connect() -> None:
    """Register the catalog's own content (called once per app; registering again is harmless)."""
    register(Course, _course_itself)
    register(Module, _of_module)
    register(Item, _of_item)
    register(Caption, _of_caption)
    register(CourseInstructor, _of_link)
    register(CourseAudience, _of_link)
    register(MediaAsset, _of_media)
    register(User, _of_instructor)
    register(Topic, _of_topic)
