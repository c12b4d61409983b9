"""Who may see and change a course: the one place these rules live.

Higher domains (quizzes, progress, certificates, reports) call these too, so the
HTML pages and the API share every check.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache

from sqlalchemy import Integer, Row, bindparam, select
from sqlalchemy.orm import contains_eager, joinedload

from lms.accounts.models import User
from lms.catalog.models import Course, CourseInstructor, Enrollment, Item, Module
from lms.errors import Conflict, Forbidden, NotFound, Unauthorized
from lms.extensions import db, utcnow


def is_instructor_of(user: User | None, course: Course) -> bool:
    if user is None:
        return False
    return db.session.execute(
        select(CourseInstructor.user_id).where(
            CourseInstructor.course_id == course.id, CourseInstructor.user_id == user.id)
    ).first() is not None


def can_edit(user: User | None, course: Course) -> bool:
    return user is not None and (user.is_admin or is_instructor_of(user, course))


def can_see(user: User | None, course: Course) -> bool:
    """Published courses are public; drafts and archives only to their editors."""
    return course.status == "published" or can_edit(user, course)


def enrollment_of(user: User | None, course: Course) -> Enrollment | None:
    if user is None:
        return None
    return db.session.execute(
        select(Enrollment).where(Enrollment.user_id == user.id,
                                 Enrollment.course_id == course.id)
    ).scalar_one_or_none()


def get_visible_course(user: User | None, course_id: int) -> Course:
    """The course, or NotFound when it does not exist or the user may not know it exists."""
    course = db.session.get(Course, course_id)
    if course is None or not can_see(user, course):
        raise NotFound("No such course.")
    return course


def get_editable_course(user: User | None, course_id: int) -> Course:
    """The course for an edit: 404 if the user may not even see it, 403 if only see it."""
    course = get_visible_course(user, course_id)
    if user is None:
        raise Unauthorized("Log in first.")
    if not can_edit(user, course):
        raise Forbidden("Only this course's instructors and site staff can change it.")
    return course


def course_of_item(item: Item) -> Course:
    return item.module.course


def get_item_for_learner(user: User | None, item_id: int, *, slug: str | None = None,
                         with_captions: bool = False) -> tuple[Item, Enrollment | None]:
    """An item a member may open: enrolled members, the course's editors and staff.

    Returns the item and the member's enrolment (None for editors previewing).
    Raises NotFound for items of courses the user cannot see (or, given ``slug``, of
    another course than the one the URL names), Forbidden otherwise.
    ``with_captions`` loads ``item.captions`` in the same query (the player shows them).
    """
    item, enrollment = _item_with_enrollment(user, item_id, with_captions)
    if item is None:
        raise NotFound("No such item.")
    _check_learner(user, course_of_item(item), slug, enrolled=enrollment is not None)
    return item, enrollment


#: ``gate(user, item, enrollment) -> reason | None``: why the enrolled member may not act
#: on ``item`` yet (None: they may). Catalog cannot know what a member has completed;
#: progress can, and registers the order and prerequisite locks here from its
#: ``receivers.connect()``, so lower domains (quizzes; media through catalog's access
#: check) enforce the same locks as progress itself. Runs inside the request's
#: transaction; it may query, never write.
ItemGate = Callable[[User, Item, Enrollment], str | None]

_gates: list[ItemGate] = []


def register_item_gate(gate: ItemGate) -> ItemGate:
    """Add ``gate`` (once, however often apps are created)."""
    if gate not in _gates:
        _gates.append(gate)
    return gate


def lock_reason(user: User, item: Item, enrollment: Enrollment | None) -> str | None:
    """Why the member may not act on ``item`` yet, or None. Editors previewing (no
    enrolment) are never locked out."""
    if enrollment is None:
        return None
    return next((reason for gate in _gates
                 if (reason := gate(user, item, enrollment)) is not None), None)


def lock_message(user: User, item: Item, enrollment: Enrollment | None) -> str | None:
    """What a member is told when ``item`` is locked for them; None when it is not."""
    reason = lock_reason(user, item, enrollment)
    return None if reason is None else f"This item is locked. {reason}"


def check_unlocked(user: User, item: Item, enrollment: Enrollment | None) -> None:
    """Raise Conflict when ``item`` is locked for the member: every entry point where a
    member acts on an item (opens it, records progress, takes its quiz, downloads its
    file or plays its media) calls this, so one rule locks every item kind alike."""
    message = lock_message(user, item, enrollment)
    if message is not None:
        raise Conflict(message)


def get_open_item(user: User | None, item_id: int) -> tuple[Item, Enrollment | None]:
    """:func:`get_item_for_learner`, then :func:`check_unlocked`: an item the member may
    act on now. Raises NotFound, Unauthorized, Forbidden, Conflict (locked)."""
    item, enrollment = get_item_for_learner(user, item_id)
    check_unlocked(user, item, enrollment)
    return item, enrollment


def learner_item(user: User | None, item_id: int, *, slug: str | None = None,
                 extra: tuple = ()) -> Row:
    """:func:`get_item_for_learner` on plain columns, for pages that keep the rest in memory.

    One row: the course's ``id, slug, title, status, in_order, updated_at``, the item's
    ``item_id`` and ``kind``, the member's ``enrollment_id, completed_at,
    access_ends_at`` (None when not enrolled), then ``extra``: labelled columns built
    once by the caller, which may use the ``user_id`` parameter and ``Module.course_id``.
    Raises what :func:`get_item_for_learner` raises.
    """
    row = db.session.execute(_learner_item_statement(extra),
                             {"item_id": item_id, "user_id": user.id if user else None}).first()
    if row is None:
        raise NotFound("No such item.")
    _check_learner(user, row, slug, enrolled=row.enrollment_id is not None)
    return row


@cache
def _learner_item_statement(extra: tuple):
    """Built once per ``extra``: a statement object reused skips SQLAlchemy's construction."""
    user_id = bindparam("user_id", type_=Integer)
    return (select(Course.id, Course.slug, Course.title, Course.status, Course.in_order,
                   Course.updated_at, Item.id.label("item_id"), Item.kind,
                   Enrollment.id.label("enrollment_id"), Enrollment.completed_at,
                   Enrollment.access_ends_at, *extra)
            .select_from(Item).join(Module, Module.id == Item.module_id)
            .join(Course, Course.id == Module.course_id)
            .outerjoin(Enrollment, (Enrollment.course_id == Module.course_id)
                       & (Enrollment.user_id == user_id))
            .where(Item.id == bindparam("item_id", type_=Integer)))


def _check_learner(user: User | None, course, slug: str | None, *, enrolled: bool) -> None:
    """Raise unless ``user`` may open items of ``course`` (a model or a row with ``id``,
    ``slug`` and ``status``), reached through a URL naming ``slug``."""
    if not can_see(user, course) or (slug is not None and course.slug != slug):
        raise NotFound("No such item.")
    if user is None:
        raise Unauthorized("Log in first.")
    if not enrolled and not can_edit(user, course):
        raise Forbidden("Enrol in the course to open its items.")


def _item_with_enrollment(user: User | None, item_id: int, with_captions: bool = False
                          ) -> tuple[Item | None, Enrollment | None]:
    """The item with its module, course and media, and the user's enrolment: one query."""
    stmt = (select(Item).join(Item.module).join(Module.course).where(Item.id == item_id)
            .options(contains_eager(Item.module).contains_eager(Module.course),
                     joinedload(Item.media)))
    if with_captions:
        stmt = stmt.options(joinedload(Item.captions))
    if user is not None:
        stmt = stmt.add_columns(Enrollment).outerjoin(Enrollment, (
            Enrollment.course_id == Module.course_id) & (Enrollment.user_id == user.id))
    row = db.session.execute(stmt).unique().first()
    if row is None:
        return None, None
    return row[0], (row[1] if user is not None else None)


def is_read_only(enrollment: Enrollment | None) -> bool:
    """True once the member's enrolment window has closed (they may look, not progress)."""
    return bool(enrollment and ends_before(enrollment.access_ends_at, utcnow()))


def ends_before(access_ends_at: datetime | None, now: datetime) -> bool:
    """True when an enrolment window ending at ``access_ends_at`` has closed by ``now``."""
    return access_ends_at is not None and access_ends_at <= now


def get_module_for_edit(user: User | None, module_id: int) -> Module:
    module = db.session.get(Module, module_id)
    if module is None:
        raise NotFound("No such module.")
    get_editable_course(user, module.course_id)
    return module


def get_item_for_edit(user: User | None, item_id: int) -> Item:
    item = db.session.get(Item, item_id)
    if item is None:
        raise NotFound("No such item.")
    get_editable_course(user, item.module.course_id)
    return item
