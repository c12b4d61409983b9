"""Authoring courses: create, edit, co-instructors, publish, unpublish, archive, duplicate.

Modules and items live in :mod:`lms.catalog.authoring_outline`. Every function
takes the acting user, checks permission through :mod:`lms.catalog.access`,
flushes and never commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms import signals
from lms.accounts.models import User
from lms.accounts.service import normalize_email, require_instructor
from lms.catalog import access
from lms.catalog.authoring_fields import COURSE_CLEANERS, COURSE_READ_ONLY, clean_fields, slugify
from lms.catalog.models import (
    Caption,
    Course,
    CourseAudience,
    CourseInstructor,
    Item,
    Module,
    Topic,
)
from lms.errors import Conflict, NotFound, ValidationError
from lms.extensions import db, utcnow
from lms.media.ready import duration_pending

#: Course columns copied as they are by :func:`duplicate_course`.
COPIED_COURSE_FIELDS = ("summary", "description", "format", "ce_hours", "outcomes",
                        "presenters", "recorded_on", "access", "certificate_enabled",
                        "certificate_valid_months", "renewal_window_days", "in_order",
                        "enrol_window_days", "allow_downloads")
COPIED_ITEM_FIELDS = ("kind", "title", "position", "is_required", "body", "media_id",
                      "slides_media_id", "transcript", "min_watch_percent",
                      "recording_completes")


def studio_courses(actor: User | None) -> list[Course]:
    """The courses the actor edits (every course for admins), newest first.

    Raises Unauthorized when logged out, Forbidden for members who teach nothing.
    """
    query = select(Course).options(selectinload(Course.instructor_links)
                                   .selectinload(CourseInstructor.user))
    if actor is None or not actor.is_admin:
        mine = select(CourseInstructor.course_id).where(
            CourseInstructor.user_id == (actor.id if actor else None))
        query = query.where(Course.id.in_(mine))
    courses = list(db.session.execute(query.order_by(Course.updated_at.desc())).scalars())
    if not courses:
        require_instructor(actor)
    return courses


def get_course_for_studio(actor: User | None, course_id: int) -> Course:
    """The course with its outline loaded. Raises NotFound, Unauthorized or Forbidden."""
    access.get_editable_course(actor, course_id)
    return db.session.execute(
        select(Course).where(Course.id == course_id).options(
            selectinload(Course.modules).selectinload(Module.items).selectinload(Item.media),
            selectinload(Course.modules).selectinload(Module.items)
            .selectinload(Item.captions).selectinload(Caption.media),
            selectinload(Course.instructor_links).selectinload(CourseInstructor.user),
            selectinload(Course.topics), selectinload(Course.audience))
    ).scalar_one()


def create_course(actor: User | None, fields: dict[str, Any]) -> Course:
    """A new draft course; the actor becomes its instructor.

    Raises Unauthorized/Forbidden (not an instructor or admin), ValidationError.
    """
    require_instructor(actor)
    clean = clean_fields(fields, COURSE_CLEANERS)
    if "title" not in clean:
        raise ValidationError("Give the course a title.",
                              errors={"title": ["This field is required."]})
    course = Course(title=clean["title"], slug=unique_slug(clean.get("slug") or
                                                           slugify(clean["title"])),
                    status="draft")
    course.instructor_links = [CourseInstructor(user=actor)]
    db.session.add(course)
    _apply_course_fields(course, {k: v for k, v in clean.items() if k not in {"title", "slug"}})
    db.session.flush()
    return course


def update_course(actor: User | None, course_id: int, fields: dict[str, Any]) -> Course:
    """Change any editable course field; sends ``certificates_enabled`` when switched on.

    Raises NotFound, Unauthorized, Forbidden, ValidationError (bad field, slug taken).
    """
    course = access.get_editable_course(actor, course_id)
    if "status" in fields and fields["status"] != course.status:
        raise ValidationError("Change the status with publish, unpublish or archive.",
                              errors={"status": ["Use publish, unpublish or archive."]})
    clean = clean_fields({k: v for k, v in fields.items() if k != "status"}, COURSE_CLEANERS,
                         ignore=COURSE_READ_ONLY)
    was_enabled = course.certificate_enabled
    if "slug" in clean and clean["slug"] != course.slug:
        if _slug_taken(clean["slug"], course.id):
            raise ValidationError("That address is taken.",
                                  errors={"slug": ["Another course already uses this address."]})
        course.slug = clean.pop("slug")
    clean.pop("slug", None)
    _apply_course_fields(course, clean)
    db.session.flush()
    if course.certificate_enabled and not was_enabled:
        signals.certificates_enabled.send(course.id, actor=actor)
    return course


def _apply_course_fields(course: Course, clean: dict[str, Any]) -> None:
    for name, value in clean.items():
        if name == "topics":
            course.topics = _topics(value)
        elif name == "audience":
            course.audience = [CourseAudience(career_stage=stage) for stage in value]
        else:
            setattr(course, name, value)


def _topics(slugs: list[str]) -> list[Topic]:
    found = list(db.session.execute(select(Topic).where(Topic.slug.in_(slugs))).scalars())
    unknown = sorted(set(slugs) - {topic.slug for topic in found})
    if unknown:
        raise ValidationError("Unknown topic.",
                              errors={"topics": [f"Unknown topic: {', '.join(unknown)}."]})
    return found


def _slug_taken(slug: str, exclude_id: int | None = None) -> bool:
    query = select(Course.id).where(Course.slug == slug)
    if exclude_id is not None:
        query = query.where(Course.id != exclude_id)
    return db.session.execute(query).first() is not None


def unique_slug(base: str) -> str:
    """``base``, or ``base-2``, ``base-3`` … whichever no course uses yet."""
    base = base[:110].strip("-") or "course"
    taken = set(db.session.execute(
        select(Course.slug).where(Course.slug.like(f"{base}%"))).scalars())
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def add_instructor(actor: User | None, course_id: int, member_id: Any) -> Course:
    """Make a member a co-instructor (no change when they already are one).

    Raises NotFound, Unauthorized, Forbidden, ValidationError (no such active member).
    """
    course = access.get_editable_course(actor, course_id)
    member = db.session.get(User, member_id) if isinstance(member_id, int) else None
    if member is None or not member.is_active:
        raise ValidationError("No such member.", errors={"member_id": ["No such member."]})
    if member.id not in {link.user_id for link in course.instructor_links}:
        course.instructor_links.append(CourseInstructor(user=member))
        db.session.flush()
    return course


def add_instructor_by_email(actor: User | None, course_id: int, email: str) -> Course:
    """:func:`add_instructor` for the member with this email (the studio's form)."""
    access.get_editable_course(actor, course_id)
    member = db.session.execute(
        select(User).where(User.email == normalize_email(email or ""))).scalar_one_or_none()
    if member is None:
        raise ValidationError("No member has that email address.",
                              errors={"email": ["No member has that email address."]})
    return add_instructor(actor, course_id, member.id)


def remove_instructor(actor: User | None, course_id: int, member_id: int) -> Course:
    """Remove a co-instructor. Raises NotFound, Forbidden, Conflict (the last instructor)."""
    course = access.get_editable_course(actor, course_id)
    link = next((x for x in course.instructor_links if x.user_id == member_id), None)
    if link is None:
        raise NotFound("That member is not an instructor of this course.")
    if len(course.instructor_links) == 1:
        raise Conflict("A course needs at least one instructor: add another one first.")
    course.instructor_links.remove(link)
    db.session.flush()
    return course


def publish_problems(course: Course) -> list[str]:
    """Every reason the course cannot be published yet (empty when it can)."""
    items = [item for module in course.modules for item in module.items]
    problems = []
    if not any(item.is_required for item in items):
        problems.append("The course has no required item: add an item and mark it required.")
    for item in items:
        if item.kind == "package" and item.media is None:
            problems.append(f"The package item “{item.title}” has no SCORM or cmi5 ZIP "
                            "attached.")
        if item.kind != "video":
            continue
        if item.media is None:
            problems.append(f"The video “{item.title}” has no recording attached.")
        elif item.media.status == "pending":
            problems.append(f"The recording of the video “{item.title}” is still uploading "
                            "(its upload is pending).")
        elif item.media.status != "ready":
            problems.append(f"The recording of the video “{item.title}” failed to upload: "
                            "upload it again.")
        elif not item.media.duration_seconds and duration_pending(item.media.id):
            problems.append(f"The length of the recording of the video “{item.title}” is "
                            "still being read: publish again in a minute.")
    return problems


def publish(actor: User | None, course_id: int, now: datetime | None = None) -> Course:
    """Publish (or re-publish after edits): bumps the version.

    Raises NotFound, Unauthorized, Forbidden, Conflict with ``errors={"publish": [reasons]}``.
    """
    course = get_course_for_studio(actor, course_id)
    problems = publish_problems(course)
    if problems:
        raise Conflict("The course is not ready to publish: " + " ".join(problems),
                       errors={"publish": problems})
    if course.status != "published" or course.published_at is None:
        course.published_at = now or utcnow()
    course.status = "published"
    course.version += 1
    db.session.flush()
    return course


def unpublish(actor: User | None, course_id: int) -> Course:
    """Back to draft (hidden from the catalog). Raises NotFound, Forbidden, Conflict."""
    course = access.get_editable_course(actor, course_id)
    if course.status != "published":
        raise Conflict("Only a published course can be unpublished.")
    course.status = "draft"
    db.session.flush()
    return course


def archive(actor: User | None, course_id: int) -> Course:
    """Retire a course: hidden from the catalog, kept for records and certificates.

    Raises NotFound, Forbidden, Conflict (already archived).
    """
    course = access.get_editable_course(actor, course_id)
    if course.status == "archived":
        raise Conflict("The course is already archived.")
    course.status = "archived"
    db.session.flush()
    return course


def duplicate_course(actor: User | None, course_id: int) -> Course:
    """A new draft copy (modules, items, captions; the same media); the actor teaches it.

    Higher domains get ``item_created`` for each copied item with
    ``settings={"copy_of": <source item id>}`` so they can copy their own rows.
    Raises NotFound, Unauthorized, Forbidden.
    """
    source = get_course_for_studio(actor, course_id)
    copy = Course(title=f"Copy of {source.title}"[:200], slug=unique_slug(f"copy-of-{source.slug}"),
                  status="draft", **{name: getattr(source, name) for name in COPIED_COURSE_FIELDS})
    copy.topics = list(source.topics)
    copy.audience = [CourseAudience(career_stage=a.career_stage) for a in source.audience]
    copy.instructor_links = [CourseInstructor(user=actor)]
    db.session.add(copy)
    modules, pairs = _copy_outline(source, copy)
    db.session.flush()
    for module in source.modules:
        if module.prerequisite_id in modules:
            modules[module.id].prerequisite_id = modules[module.prerequisite_id].id
    for old_item, new_item in pairs:
        signals.item_created.send(new_item.id, item=new_item, settings={"copy_of": old_item.id},
                                  actor=actor)
    return copy


ItemPairs = list[tuple[Item, Item]]


def _copy_outline(source: Course, copy: Course) -> tuple[dict[int, Module], ItemPairs]:
    """Copy modules and items; returns the new module by old id, and (old, new) item pairs."""
    modules: dict[int, Module] = {}
    pairs: list[tuple[Item, Item]] = []
    for module in source.modules:
        modules[module.id] = Module(title=module.title, position=module.position)
        copy.modules.append(modules[module.id])
        for item in module.items:
            new = Item(**{name: getattr(item, name) for name in COPIED_ITEM_FIELDS})
            new.captions = [Caption(media_id=c.media_id, language=c.language, label=c.label)
                            for c in item.captions]
            modules[module.id].items.append(new)
            pairs.append((item, new))
    return modules, pairs
