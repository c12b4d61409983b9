"""Course discussions (threads, posts, votes, reports), notifications and the directory."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, ForeignKey, Index, String, Text, UniqueConstraint, event, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.extensions import UTCDateTime, db, utcnow

THREAD_KINDS = ("question", "discussion")
#: visible: everyone in the course sees it; hidden: moderators only; held: waiting for review.
POST_STATUSES = ("visible", "hidden", "held")
REPLY_MODES = ("immediate", "daily", "off")
NOTIFICATION_KINDS = ("reply", "accepted", "announcement")


class DiscussionSetting(db.Model):
    """Per-course discussion settings (a course without a row has the defaults)."""

    __tablename__ = "discussion_setting"

    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), primary_key=True)
    #: A member's first post in the course waits for a moderator before others see it.
    hold_first_posts: Mapped[bool] = mapped_column(default=False)


class Thread(db.Model):
    __tablename__ = "discussion_thread"
    __table_args__ = (Index("ix_discussion_thread_course_last", "course_id", "last_post_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    #: The item the thread is about (shown beside it in the player); None: the whole course.
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("item.id", ondelete="SET NULL"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    #: An instructor's announcement: every member who wants announcements is told.
    is_announcement: Mapped[bool] = mapped_column(default=False)
    is_locked: Mapped[bool] = mapped_column(default=False)
    #: The opening post's status: a thread whose question is hidden or held is not listed.
    status: Mapped[str] = mapped_column(String(10), default="visible")
    #: The accepted answer (no foreign key: posts and threads would point at each other;
    #: posts are hidden, never deleted, while their thread lives).
    accepted_post_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_post_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Bumped by every change to the thread or its posts: pages rendered from an older
    #: version are stale (servers keep rendered threads under it).
    version: Mapped[int] = mapped_column(default=1)
    #: Visible posts and the sum of their votes, counted again with every change to the
    #: thread's posts (``service.recount``): members' lists read them instead of counting.
    post_count: Mapped[int] = mapped_column(default=0, server_default="0")
    vote_count: Mapped[int] = mapped_column(default=0, server_default="0")

    author: Mapped[User] = relationship()


class Post(db.Model):
    __tablename__ = "discussion_post"
    __table_args__ = (Index("ix_discussion_post_thread_created", "thread_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_thread.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: The Markdown the author wrote; ``body_html`` is it rendered and sanitised.
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="visible")
    #: The author taught the course when writing (kept, so the mark does not move later).
    by_instructor: Mapped[bool] = mapped_column(default=False)
    #: Counted with each vote in the same transaction (the vote rows are the truth).
    vote_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User] = relationship()
    thread: Mapped[Thread] = relationship(foreign_keys=[thread_id])


class PostRevision(db.Model):
    """The text a post had before an edit: edits keep history."""

    __tablename__ = "post_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_post.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PostVote(db.Model):
    __tablename__ = "post_vote"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_post.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PostReport(db.Model):
    __tablename__ = "post_report"
    __table_args__ = (UniqueConstraint("post_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("discussion_post.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: A moderator dealt with it (hid the post or dismissed the report).
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Notification(db.Model):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_thread.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("discussion_post.id", ondelete="CASCADE"))
    #: One line saying what happened, written when it happened.
    summary: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when a daily digest (or an immediate email) told the member: never told twice.
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationPreference(db.Model):
    """How a member wants to hear about discussions (no row: the defaults)."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    replies: Mapped[str] = mapped_column(String(10), default="immediate")
    announcements: Mapped[bool] = mapped_column(default=True)


class DirectoryProfile(db.Model):
    """A member's entry in the directory of expertise; listed only when ``is_visible``."""

    __tablename__ = "directory_profile"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    is_visible: Mapped[bool] = mapped_column(default=False, index=True)
    #: Areas of expertise: catalog topic names and the member's own words.
    expertise: Mapped[list] = mapped_column(db.JSON, default=list)
    #: ``expertise`` lower-cased and joined by ``|`` (with one at each end), for matching.
    expertise_key: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship()


class DirectoryBlock(db.Model):
    """``blocker`` receives no more messages from ``blocked``."""

    __tablename__ = "directory_block"

    blocker_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                            primary_key=True)
    blocked_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                            primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DirectoryMessage(db.Model):
    """A message relayed by email between members, neither seeing the other's address."""

    __tablename__ = "directory_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    report_reason: Mapped[str | None] = mapped_column(String(500))


# Full-text search schema (the pattern of lms.catalog.models; queries in lms.discussions.search).

def post_document():
    """The PostgreSQL text-search document of a post (index and queries share it)."""
    return func.to_tsvector(text("'english'"), Post.__table__.c.body)


def thread_document():
    return func.to_tsvector(text("'english'"), Thread.__table__.c.title)


Index("ix_discussion_post_search", post_document(), postgresql_using="gin").ddl_if(
    dialect="postgresql")
Index("ix_discussion_thread_search", thread_document(), postgresql_using="gin").ddl_if(
    dialect="postgresql")


#: SQLite: FTS5 indexes of post bodies and thread titles, kept in step by triggers (the
#: migration repeats them).
SQLITE_FTS_DDL = {
    "discussion_post": (
        "CREATE VIRTUAL TABLE post_fts USING fts5(body, content='discussion_post', "
        "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
        'CREATE TRIGGER post_fts_insert AFTER INSERT ON discussion_post BEGIN INSERT INTO '
        'post_fts(rowid, body) VALUES (new.id, new.body); END',
        'CREATE TRIGGER post_fts_delete AFTER DELETE ON discussion_post BEGIN INSERT INTO '
        "post_fts(post_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
        'CREATE TRIGGER post_fts_update AFTER UPDATE OF body ON discussion_post BEGIN '
        "INSERT INTO post_fts(post_fts, rowid, body) VALUES ('delete', old.id, old.body); "
        'INSERT INTO post_fts(rowid, body) VALUES (new.id, new.body); END',
    ),
    "discussion_thread": (
        "CREATE VIRTUAL TABLE thread_fts USING fts5(title, content='discussion_thread', "
        "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
        'CREATE TRIGGER thread_fts_insert AFTER INSERT ON discussion_thread BEGIN INSERT '
        'INTO thread_fts(rowid, title) VALUES (new.id, new.title); END',
        'CREATE TRIGGER thread_fts_delete AFTER DELETE ON discussion_thread BEGIN INSERT '
        "INTO thread_fts(thread_fts, rowid, title) VALUES ('delete', old.id, old.title); "
        'END',
        'CREATE TRIGGER thread_fts_update AFTER UPDATE OF title ON discussion_thread '
        "BEGIN INSERT INTO thread_fts(thread_fts, rowid, title) VALUES ('delete', old.id, "
        'old.title); INSERT INTO thread_fts(rowid, title) VALUES (new.id, new.title); END',
    ),
}

for _model, _name in ((Post, "post_fts"), (Thread, "thread_fts")):
    for _statement in SQLITE_FTS_DDL[_model.__tablename__]:
        event.listen(_model.__table__, "after_create",
                     DDL(_statement).execute_if(dialect="sqlite"))
    event.listen(_model.__table__, "before_drop",
                 DDL(f"DROP TABLE IF EXISTS {_name}").execute_if(dialect="sqlite"))
