"""Courses and webinars, their modules and items, instructors and enrolments."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    DDL,
    Column,
    ForeignKey,
    Index,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    func,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.extensions import UTCDateTime, db, utcnow
from lms.media.models import MediaAsset

FORMATS = ("course", "webinar")
STATUSES = ("draft", "published", "archived")
ACCESS = ("open", "members", "code")
#: Days before a certificate's expiry from which its member may retake the course.
RENEWAL_WINDOW_DEFAULT = 60
ITEM_KINDS = ("video", "reading", "file", "quiz", "evaluation", "session", "package")

course_topic = Table(
    "course_topic", db.metadata,
    Column("course_id", ForeignKey("course.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True),
)


class Topic(db.Model):
    """A subject in the catalog (technology, collections, leadership …), edited by staff."""

    __tablename__ = "topic"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(80))


class CourseInstructor(db.Model):
    __tablename__ = "course_instructor"

    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class CourseAudience(db.Model):
    """A career stage a course is written for (a course may name several)."""

    __tablename__ = "course_audience"

    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), primary_key=True)
    career_stage: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)


class Course(db.Model):
    __tablename__ = "course"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    #: Markdown; rendered and sanitised on display.
    description: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(10), default="course", index=True)
    ce_hours: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("1"))
    #: One learning outcome per line.
    outcomes: Mapped[str] = mapped_column(Text, default="")
    #: Presenters' names, one per line (searchable; need not be site members).
    presenters: Mapped[str] = mapped_column(Text, default="")
    recorded_on: Mapped[date | None]
    access: Mapped[str] = mapped_column(String(10), default="open")
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    certificate_enabled: Mapped[bool] = mapped_column(default=True)
    #: Certificates expire this many months after issue (None: never).
    certificate_valid_months: Mapped[int | None]
    #: A member may retake the course this many days before their certificate expires.
    renewal_window_days: Mapped[int] = mapped_column(default=RENEWAL_WINDOW_DEFAULT,
                                                     server_default=str(RENEWAL_WINDOW_DEFAULT))
    #: Items unlock one after another when set.
    in_order: Mapped[bool] = mapped_column(default=False)
    #: Members may download the audio of its recordings to listen offline.
    allow_downloads: Mapped[bool] = mapped_column(default=True, server_default=true())
    #: Members must complete within this many days of enrolling (None: no limit).
    enrol_window_days: Mapped[int | None]
    #: Bumped on every publish, so issued certificates can say which version they certify.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    modules: Mapped[list[Module]] = relationship(
        back_populates="course", order_by="Module.position", cascade="all, delete-orphan")
    instructor_links: Mapped[list[CourseInstructor]] = relationship(
        cascade="all, delete-orphan", order_by="CourseInstructor.added_at")
    topics: Mapped[list[Topic]] = relationship(secondary=course_topic, order_by="Topic.name")
    audience: Mapped[list[CourseAudience]] = relationship(cascade="all, delete-orphan")

    @property
    def instructors(self) -> list[User]:
        return [link.user for link in self.instructor_links]

    @property
    def is_published(self) -> bool:
        return self.status == "published"


class Module(db.Model):
    __tablename__ = "module"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    #: This module opens only when that module's required items are complete.
    prerequisite_id: Mapped[int | None] = mapped_column(
        ForeignKey("module.id", ondelete="SET NULL"))

    course: Mapped[Course] = relationship(back_populates="modules")
    items: Mapped[list[Item]] = relationship(
        back_populates="module", order_by="Item.position", cascade="all, delete-orphan")


class Item(db.Model):
    __tablename__ = "item"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    is_required: Mapped[bool] = mapped_column(default=True)
    #: Reading text (Markdown) or an introduction to a video or file.
    body: Mapped[str] = mapped_column(Text, default="")
    media_id: Mapped[int | None] = mapped_column(
        ForeignKey("media_asset.id", ondelete="SET NULL"), index=True)
    #: Slides of a webinar recording (PDF or PPTX), offered beside the video.
    slides_media_id: Mapped[int | None] = mapped_column(
        ForeignKey("media_asset.id", ondelete="SET NULL"))
    #: Plain-text transcript; when empty the player builds one from the captions.
    transcript: Mapped[str] = mapped_column(Text, default="")
    #: Percent of unique seconds a member must watch for a video to count as complete.
    min_watch_percent: Mapped[int] = mapped_column(default=90)
    #: A video that records the course's live session: watching it completes the
    #: course's session item too (for members who missed the live session).
    recording_completes: Mapped[bool] = mapped_column(default=False, server_default=text("false"))

    module: Mapped[Module] = relationship(back_populates="items")
    media: Mapped[MediaAsset | None] = relationship(foreign_keys=[media_id])
    slides: Mapped[MediaAsset | None] = relationship(foreign_keys=[slides_media_id])
    captions: Mapped[list[Caption]] = relationship(
        cascade="all, delete-orphan", order_by="Caption.language")


class Caption(db.Model):
    """A WebVTT captions track of a video item, one per language."""

    __tablename__ = "caption"
    __table_args__ = (UniqueConstraint("item_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media_asset.id", ondelete="CASCADE"))
    #: BCP 47 language tag, e.g. "en" or "es".
    language: Mapped[str] = mapped_column(String(20), default="en")
    label: Mapped[str] = mapped_column(String(60), default="English")

    media: Mapped[MediaAsset] = relationship()


class Enrollment(db.Model):
    __tablename__ = "enrollment"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: After this moment the course is read-only for the member (enrolment window).
    access_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set once, when every required item is complete (or staff mark it complete).
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Staff member who marked the course complete by hand, with their reason.
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    completion_reason: Mapped[str | None] = mapped_column(String(500))
    signup_code_id: Mapped[int | None] = mapped_column(
        ForeignKey("signup_code.id", ondelete="SET NULL"))
    #: 1, then one more with every retake; the certificate of a completion carries it.
    edition: Mapped[int] = mapped_column(default=1, server_default="1")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    course: Mapped[Course] = relationship()


class SignupCode(db.Model):
    """A single-use code that enrols one member in a ``code``-access course."""

    __tablename__ = "signup_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    #: Codes created together (e.g. a library's group registration) share a batch label.
    batch: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    redeemed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    redeemed_by: Mapped[User | None] = relationship(foreign_keys=[redeemed_by_id])


# Full-text search schema. The queries live in :mod:`lms.catalog.search`; the
# migration repeats this DDL (create_all runs it for tests and new SQLite files).

def search_document():
    """The weighted PostgreSQL text-search document of a course.

    The GIN index below and every search query use this same expression, so the
    planner can use the index.
    """
    table = Course.__table__
    parts = [(table.c.title, "A"), (table.c.summary, "B"), (table.c.presenters, "B"),
             (table.c.description, "C")]
    weighted = [func.setweight(func.to_tsvector(text("'english'"), column),
                               text(f"'{weight}'")) for column, weight in parts]
    document = weighted[0]
    for part in weighted[1:]:
        document = document.op("||")(part)
    return document


Index("ix_course_search", search_document(), postgresql_using="gin").ddl_if(
    dialect="postgresql")

#: SQLite: an FTS5 index over the course table, kept in step by triggers.
SQLITE_FTS_DDL = (
    "CREATE VIRTUAL TABLE course_fts USING fts5(title, summary, description, presenters, "
    "content='course', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER course_fts_insert AFTER INSERT ON course BEGIN "
    "INSERT INTO course_fts(rowid, title, summary, description, presenters) "
    "VALUES (new.id, new.title, new.summary, new.description, new.presenters); END",
    "CREATE TRIGGER course_fts_delete AFTER DELETE ON course BEGIN "
    "INSERT INTO course_fts(course_fts, rowid, title, summary, description, presenters) "
    "VALUES ('delete', old.id, old.title, old.summary, old.description, old.presenters); END",
    "CREATE TRIGGER course_fts_update AFTER UPDATE OF title, summary, description, presenters "
    "ON course BEGIN "
    "INSERT INTO course_fts(course_fts, rowid, title, summary, description, presenters) "
    "VALUES ('delete', old.id, old.title, old.summary, old.description, old.presenters); "
    "INSERT INTO course_fts(rowid, title, summary, description, presenters) "
    "VALUES (new.id, new.title, new.summary, new.description, new.presenters); END",
)

for _statement in SQLITE_FTS_DDL:
    event.listen(Course.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
event.listen(Course.__table__, "before_drop",
             DDL("DROP TABLE IF EXISTS course_fts").execute_if(dialect="sqlite"))
