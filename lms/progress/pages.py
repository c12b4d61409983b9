"""Plain data for the player and "My learning" pages (templates run no queries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from flask import url_for
from sqlalchemy import Integer, bindparam, select

from lms import memo, origins
from lms.accounts.models import User
from lms.catalog.access import (
    can_see,
    ends_before,
    enrollment_of,
    get_item_for_learner,
    learner_item,
)
from lms.catalog.markdown import render_markdown
from lms.catalog.models import Course, Enrollment, Item
from lms.catalog.service import ProgressSummary
from lms.errors import NotFound
from lms.extensions import db, utcnow
from lms.media import streaming
from lms.media.service import human_size
from lms.packages import launches
from lms.packages.scorm import content_of_item
from lms.progress import transcripts
from lms.progress.api import media_content_url
from lms.progress.kept import kept_progress, progress_stamp, progress_version
from lms.progress.loading import course_progress
from lms.progress.outline import NO_FACTS, CourseProgress, ItemStatus
from lms.progress.service import start_clock
from lms.quizzes.evaluations import evaluation_form


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
    #: What the page's progress was computed from (course version, enrolment, member's rows).
    version: tuple = ()
    #: This view started the item's credit clock (a write to commit).
    opened_now: bool = False


def course_by_slug(user: User | None, slug: str) -> Course:
    """A course the user may see, by slug; NotFound otherwise."""
    course = db.session.execute(select(Course).where(Course.slug == slug)).scalar_one_or_none()
    if course is None or not can_see(user, course):
        raise NotFound("No such course.")
    return course


def course_page_summary(user_id: int, course) -> ProgressSummary:
    """The member's progress as the course page shows it (``catalog.service``'s
    progress source): ``course`` is a row as :func:`kept_progress` takes."""
    progress, _ = kept_progress(user_id, [course])[course.id]
    required = [item for item in progress.items if item.is_required]
    return ProgressSummary(percent=progress.percent, required=len(required),
                           done=sum(item.is_complete for item in required))


def resume_item_id(user: User, slug: str) -> tuple[int, float]:
    """Where the member continues a course: item id and position. NotFound if it has none."""
    course = course_by_slug(user, slug)
    enrollment = enrollment_of(user, course)
    progress = course_progress(user, course, enrollment=enrollment, preview=enrollment is None)
    if progress.resume is None:
        raise NotFound("This course has no items yet.")
    return progress.resume.id, progress.resume.last_position


#: The member's progress stamp, read with the item (``learner_item``).
_PLAYER_COLUMNS = (progress_stamp(bindparam("user_id", type_=Integer)).label("progress_stamp"),)


@dataclass(frozen=True)
class ItemView:
    """What the player shows every learner of one item: course facts and the item itself."""

    course: dict
    item: dict


#: Item views by item id, kept under their course's id and ``updated_at``.
_item_views: memo.StampedCache[ItemView] = memo.StampedCache()


def player_page(user: User, slug: str, item_id: int, *, now: datetime | None = None
                ) -> PlayerPage:
    """Everything the player shows for one item. Raises NotFound, Unauthorized, Forbidden.

    One statement checks access and reads the course's version and the member's
    progress stamp; item view and progress are recomputed only when those moved.
    A member's first open of an unlocked item starts its credit clock
    (``service.start_clock``).
    """
    now = now or utcnow()
    found = learner_item(user, item_id, slug=slug, extra=_PLAYER_COLUMNS)
    preview = found.enrollment_id is None
    progress, facts = kept_progress(user.id, [found], preview=preview)[found.id]
    status = progress.item(item_id)
    # A locked item shows why it is locked, and its clock waits until it opens.
    opened_now = (not preview and not status.locked
                  and facts.get(item_id, NO_FACTS).first_opened_at is None)
    if opened_now:
        start_clock(user, item_id, now)
    view = _item_views.get(item_id, (found.id, found.updated_at),
                           lambda: _item_view(user, item_id))
    previous, following = progress.neighbours(item_id)
    return PlayerPage(
        course=view.course, progress=progress, status=status,
        item=with_launcher(user, {**view.item, "position": status.last_position}),
        preview=preview,
        read_only=ends_before(found.access_ends_at, now),
        previous=previous, next=following,
        quizzes=[i for i in progress.items if i.kind == "quiz"],
        version=progress_version(found, preview), opened_now=opened_now)


def _item_view(user: User, item_id: int) -> ItemView:
    item, _ = get_item_for_learner(user, item_id, with_captions=True)
    return ItemView(course=_course_data(item.module.course), item=_item_data(item))


def _course_data(course: Course) -> dict:
    return {"id": course.id, "slug": course.slug, "title": course.title,
            "format": course.format, "recorded_on": course.recorded_on,
            "presenters": [p.strip() for p in course.presenters.splitlines() if p.strip()]}


def _item_data(item: Item) -> dict:
    data = {"id": item.id, "kind": item.kind, "title": item.title,
            "body_html": render_markdown(item.body) if item.body else None,
            "duration": item.media.duration_seconds if item.media else None,
            "media_url": media_content_url(item.media_id) if item.media_id else None,
            "file_name": item.media.original_name if item.media else None,
            "slides_url": media_content_url(item.slides_media_id) if item.slides_media_id else None,
            "min_watch_percent": item.min_watch_percent}
    if item.kind == "evaluation":
        data["evaluation"] = evaluation_form(item.id)
    if item.kind == "package":
        data["package"] = _package_data(item)
    if item.kind == "video":
        data["captions"] = [{"src": media_content_url(c.media_id), "srclang": c.language,
                             "label": c.label} for c in item.captions]
        data.update(streaming.player_sources(item.media))
        data["audio_download"] = bool(data["audio_file_url"]) and item.module.course.allow_downloads
        data.update(_transcript_data(item))
    return data


def _package_data(item: Item) -> dict | None:
    content = content_of_item(item)
    if content is None:
        return None
    return {"standard": content.standard, "content_id": content.id}


def with_launcher(user: User, item: dict) -> dict:
    """A package item's data with a launch token of its own for ``user``: the launcher
    page's URL on the content origin (None when the site has none)."""
    package = item.get("package")
    if item["kind"] != "package" or package is None:
        return item
    path = url_for("package_launcher.launcher",
                   token=launches.sign(user.id, item["id"], package["content_id"]))
    return {**item, "package": {**package, "launcher_url": origins.content_url(path),
                                "content_origin": origins.content_origin()}}


def _transcript_data(item: Item) -> dict:
    """Click-to-seek cues from the captions, and the transcript's download size.

    The supplied transcript's text is shown in place only when there are no cues
    (no captions, or captions the store cannot give).
    """
    cues = transcripts.caption_cues(item)
    supplied = transcripts.supplied_text(item)
    paragraphs = [] if cues else [p for p in supplied.split("\n\n") if p.strip()]
    text = transcripts.transcript_text(item, cues)
    return {"cues": cues, "transcript_text": paragraphs,
            "transcript_size": human_size(len(text.encode("utf-8"))) if text else None}


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
    #: What the dashboard shows is a function of this: the year and each enrolment's
    #: course, completion and progress stamp.
    version: tuple = ()


def dashboard(user: User, *, today: date | None = None) -> Dashboard:
    """A member's courses: in progress (with where to resume), completed, CE hours this year.

    One statement reads the enrolments with each unfinished course's progress stamp;
    progress is recomputed only for courses whose rows or content moved since.
    """
    year = (today or utcnow().date()).year
    rows = db.session.execute(_dashboard_statement(), {"user_id": user.id}).all()
    # Completed courses show their date and hours only: progress is worked out for the rest.
    progress = kept_progress(user.id, [row for row in rows if row.completed_at is None])
    courses = [_dashboard_course(row, progress.get(row.id)) for row in rows]
    completed = [course for course in courses if course.completed_at]
    hours = sum((c.ce_hours for c in completed if c.completed_at.year == year), Decimal(0))
    return Dashboard(in_progress=[course for course in courses if not course.completed_at],
                     completed=completed, ce_hours_this_year=hours, year=year,
                     version=(year, *(tuple(row) for row in rows)))


@cache
def _dashboard_statement():
    user_id = bindparam("user_id", type_=Integer)
    return (select(Course.id, Course.slug, Course.title, Course.in_order, Course.updated_at,
                   Course.ce_hours, Enrollment.completed_at,
                   progress_stamp(user_id).label("progress_stamp"))
            .join(Course, Course.id == Enrollment.course_id)
            .where(Enrollment.user_id == user_id)
            .order_by(Enrollment.enrolled_at.desc(), Enrollment.id.desc()))


def _dashboard_course(row, kept: tuple[CourseProgress, dict] | None) -> DashboardCourse:
    progress = kept[0] if kept else None
    resume = progress.resume if progress else None
    return DashboardCourse(
        slug=row.slug, title=row.title, percent=progress.percent if progress else 100,
        ce_hours=row.ce_hours, completed_at=row.completed_at,
        resume_item_id=resume.id if resume else None,
        resume_title=resume.title if resume else None,
        resume_position=resume.last_position if resume else 0.0,
        whats_left=progress.whats_left if progress else [])
