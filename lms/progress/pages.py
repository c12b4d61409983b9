"""Plain data for the player and "My learning" pages (templates run no queries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.catalog.access import can_see, enrollment_of, get_item_for_learner
from lms.catalog.markdown import render_markdown
from lms.catalog.models import Course, Enrollment, Item
from lms.errors import NotFound
from lms.extensions import db, utcnow
from lms.progress import webvtt
from lms.progress.api import media_content_url
from lms.progress.loading import course_progress, course_progress_with_facts, member_progress
from lms.progress.outline import NO_FACTS, CourseProgress, ItemStatus
from lms.progress.service import start_clock

MAX_CAPTION_BYTES = 2 * 1024 * 1024


@dataclass
class PlayerPage:
    course: dict
    progress: CourseProgress
    status: ItemStatus
    item: dict
    preview: bool
    read_only: bool
    previous: ItemStatus | None
    next: ItemStatus | None
    quizzes: list[ItemStatus] = field(default_factory=list)


def course_by_slug(user: User | None, slug: str) -> Course:
    """A course the user may see, by slug; NotFound otherwise."""
    course = db.session.execute(select(Course).where(Course.slug == slug)).scalar_one_or_none()
    if course is None or not can_see(user, course):
        raise NotFound("No such course.")
    return course


def resume_item_id(user: User, slug: str) -> tuple[int, float]:
    """Where the member continues a course: item id and position. NotFound if it has none."""
    course = course_by_slug(user, slug)
    enrollment = enrollment_of(user, course)
    progress = course_progress(user, course, enrollment=enrollment, preview=enrollment is None)
    if progress.resume is None:
        raise NotFound("This course has no items yet.")
    return progress.resume.id, progress.resume.last_position


def player_page(user: User, slug: str, item_id: int, *, now: datetime | None = None
                ) -> PlayerPage:
    """Everything the player shows for one item. Raises NotFound, Unauthorized, Forbidden.

    A member's first open starts the item's credit clock (``service.start_clock``); the
    progress facts already say whether it was opened before, so no row is read twice.
    """
    now = now or utcnow()
    item, enrollment = get_item_for_learner(user, item_id, slug=slug, with_captions=True)
    course = item.module.course
    preview = enrollment is None
    progress, facts = course_progress_with_facts(user, course, enrollment=enrollment,
                                                 preview=preview)
    if not preview and facts.get(item.id, NO_FACTS).first_opened_at is None:
        start_clock(user, item, now)
    status = progress.item(item.id)
    previous, following = progress.neighbours(item.id)
    return PlayerPage(
        course=_course_data(course), progress=progress, status=status,
        item=_item_data(item, status), preview=preview,
        read_only=bool(enrollment and enrollment.access_ends_at
                       and enrollment.access_ends_at <= now),
        previous=previous, next=following,
        quizzes=[i for i in progress.items if i.kind == "quiz"])


def _course_data(course: Course) -> dict:
    return {"id": course.id, "slug": course.slug, "title": course.title,
            "format": course.format, "recorded_on": course.recorded_on,
            "presenters": [p.strip() for p in course.presenters.splitlines() if p.strip()]}


def _item_data(item: Item, status: ItemStatus) -> dict:
    data = {"id": item.id, "kind": item.kind, "title": item.title,
            "body_html": render_markdown(item.body) if item.body else None,
            "duration": item.media.duration_seconds if item.media else None,
            "media_url": media_content_url(item.media_id) if item.media_id else None,
            "file_name": item.media.original_name if item.media else None,
            "slides_url": media_content_url(item.slides_media_id) if item.slides_media_id else None,
            "position": status.last_position, "min_watch_percent": item.min_watch_percent}
    if item.kind == "video":
        data["captions"] = [{"src": media_content_url(c.media_id), "srclang": c.language,
                             "label": c.label} for c in item.captions]
        data["transcript_text"] = [p for p in item.transcript.split("\n\n") if p.strip()]
        data["cues"] = [] if data["transcript_text"] else _cues(item)
    return data


def _cues(item: Item) -> list[webvtt.Cue]:
    """Transcript lines from the first captions track (none if storage can't give it)."""
    from lms.storage import StorageError, get_storage

    if not item.captions:
        return []
    try:
        with get_storage().open(item.captions[0].media.storage_key) as handle:
            raw = handle.read(MAX_CAPTION_BYTES)
    except StorageError:
        return []
    return webvtt.parse(raw.decode("utf-8", errors="replace"))


@dataclass
class DashboardCourse:
    slug: str
    title: str
    percent: int
    ce_hours: Decimal
    completed_at: datetime | None
    resume_item_id: int | None
    resume_title: str | None
    resume_position: float
    whats_left: list[str]


@dataclass
class Dashboard:
    in_progress: list[DashboardCourse]
    completed: list[DashboardCourse]
    ce_hours_this_year: Decimal
    year: int


def dashboard(user: User, *, today: date | None = None) -> Dashboard:
    """A member's courses: in progress (with where to resume), completed, CE hours this year."""
    year = (today or utcnow().date()).year
    enrollments = db.session.execute(
        select(Enrollment).where(Enrollment.user_id == user.id)
        .options(joinedload(Enrollment.course)).order_by(Enrollment.enrolled_at.desc())
    ).scalars().all()
    # Completed courses show their date and hours only: progress is worked out for the rest.
    progress = member_progress(user, [e for e in enrollments if e.completed_at is None])
    rows = [_dashboard_course(enrollment, progress.get(enrollment.course_id))
            for enrollment in enrollments]
    completed = [row for row in rows if row.completed_at]
    hours = sum((row.ce_hours for row in completed if row.completed_at.year == year), Decimal(0))
    return Dashboard(in_progress=[row for row in rows if not row.completed_at],
                     completed=completed, ce_hours_this_year=hours, year=year)


def _dashboard_course(enrollment: Enrollment, progress: CourseProgress | None
                      ) -> DashboardCourse:
    course = enrollment.course
    resume = progress.resume if progress else None
    return DashboardCourse(
        slug=course.slug, title=course.title, percent=progress.percent if progress else 100,
        ce_hours=course.ce_hours, completed_at=enrollment.completed_at,
        resume_item_id=resume.id if resume else None,
        resume_title=resume.title if resume else None,
        resume_position=resume.last_position if resume else 0.0,
        whats_left=progress.whats_left if progress else [])
