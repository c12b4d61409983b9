"""Notifications: in-app rows, immediate emails, the daily digest, one-click unsubscribe.

Every event writes one notification row per member told, in the transaction of the
event. Email goes out as background jobs keyed per (event, member), so a reply
mails each subscriber exactly once however often anything is retried; the daily
digest marks what it collected (``mailed_at``), so running it twice sends nothing new.
Every email carries a signed unsubscribe link (no login needed) bound to the
address it was sent to, also as ``List-Unsubscribe`` with one-click POST (RFC 8058).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import case, func, select, update

from lms import jobs
from lms.accounts.models import User
from lms.catalog.models import Course, Enrollment
from lms.discussions.models import (
    REPLY_MODES,
    Notification,
    NotificationPreference,
    Post,
    Thread,
)
from lms.errors import NotFound, ValidationError
from lms.extensions import db, utcnow
from lms.mail import send_mail

DIGEST_JOB = "discussions.digest"
ANNOUNCE_JOB = "discussions.announce"
UNSUBSCRIBE_SALT = "discussions-unsubscribe"
TOPICS = ("replies", "announcements")
#: Page paths mails link to (jobs build them without a request; views.py serves them).
THREAD_PATH = "/discussions/{}"
UNSUBSCRIBE_PATH = "/unsubscribe/{}"


# --- preferences -----------------------------------------------------------------------

@dataclass(frozen=True)
class Preferences:
    replies: str = "immediate"
    announcements: bool = True


def preferences(user_id: int) -> Preferences:
    row = db.session.get(NotificationPreference, user_id)
    return Preferences(row.replies, row.announcements) if row else Preferences()


def set_preferences(user: User, *, replies=None, announcements=None) -> Preferences:
    """Change how the member hears about discussions. Raises ValidationError."""
    errors = {}
    if replies is not None and replies not in REPLY_MODES:
        errors["replies"] = ["immediate, daily or off."]
    if announcements is not None and not isinstance(announcements, bool):
        errors["announcements"] = ["true or false."]
    if errors:
        raise ValidationError("Invalid input.", errors=errors)
    row = db.session.get(NotificationPreference, user.id) or NotificationPreference(
        user_id=user.id, replies="immediate", announcements=True)
    if replies is not None:
        row.replies = replies
    if announcements is not None:
        row.announcements = announcements
    db.session.add(row)
    db.session.flush()
    return Preferences(row.replies, row.announcements)


def _modes(user_ids: set[int]) -> dict[int, Preferences]:
    rows = db.session.scalars(select(NotificationPreference).where(
        NotificationPreference.user_id.in_(user_ids))).all() if user_ids else []
    found = {row.user_id: Preferences(row.replies, row.announcements) for row in rows}
    return {user_id: found.get(user_id, Preferences()) for user_id in user_ids}


# --- events ----------------------------------------------------------------------------

def reply_posted(post: Post, thread: Thread) -> None:
    """Tell the thread's author and everyone who posted in it (but the replier)."""
    participants = set(db.session.scalars(select(Post.author_id).where(
        Post.thread_id == thread.id, Post.status == "visible")).all())
    participants.add(thread.author_id)
    participants.discard(post.author_id)
    author = db.session.get(User, post.author_id)
    summary = f"{author.name} replied in “{thread.title}”"[:300]
    for user_id, prefs in _modes(participants).items():
        note = _add(user_id, "reply", thread, post, summary)
        if prefs.replies == "immediate":
            _mail_now(note, f"reply:{post.id}:{user_id}")


def answer_accepted(post: Post, thread: Thread) -> None:
    summary = f"Your answer in “{thread.title}” was accepted"[:300]
    note = _add(post.author_id, "accepted", thread, post, summary)
    if preferences(post.author_id).replies == "immediate":
        _mail_now(note, f"accepted:{thread.id}:{post.id}")


def announce(thread: Thread) -> None:
    """An instructor's announcement: the fan-out to every member runs as a job."""
    jobs.enqueue(ANNOUNCE_JOB, key=f"announce:{thread.id}", thread_id=thread.id)


@jobs.task(ANNOUNCE_JOB, max_attempts=5)
def announce_job(thread_id: int) -> None:
    thread = db.session.get(Thread, thread_id)
    if thread is None or thread.status != "visible":
        return
    members = set(db.session.scalars(select(Enrollment.user_id).where(
        Enrollment.course_id == thread.course_id)).all()) - {thread.author_id}
    told = set(db.session.scalars(select(Notification.user_id).where(
        Notification.thread_id == thread.id, Notification.kind == "announcement")).all())
    course = db.session.get(Course, thread.course_id)
    summary = f"Announcement in {course.title}: {thread.title}"[:300]
    for user_id, prefs in _modes(members - told).items():
        if prefs.announcements:
            _mail_now(_add(user_id, "announcement", thread, None, summary),
                      f"announcement:{thread.id}:{user_id}", topic="announcements")
    db.session.commit()


def _add(user_id: int, kind: str, thread: Thread, post: Post | None, summary: str
         ) -> Notification:
    note = Notification(user_id=user_id, kind=kind, thread_id=thread.id,
                        post_id=post.id if post else None, summary=summary, created_at=utcnow())
    db.session.add(note)
    db.session.flush()
    _move_unread(user_id, 1)
    return note


def _move_unread(user_id: int, step: int) -> None:
    """Keep the member's ``unread_notifications`` in step: an atomic increment, so
    notifications added by concurrent transactions are all counted."""
    counter = User.unread_notifications
    db.session.execute(update(User).where(User.id == user_id).values(
        unread_notifications=case((counter + step > 0, counter + step), else_=0))
        .execution_options(synchronize_session=False))


def _mail_now(note: Notification, key: str, topic: str = "replies") -> None:
    user = db.session.get(User, note.user_id)
    if user is None or not user.is_active:
        return
    link = _absolute(THREAD_PATH.format(note.thread_id))
    body = f"{note.summary}.\n\nRead it: {link}\n"
    _send(user, note.summary, body, key, topic)
    note.mailed_at = utcnow()


def _send(user: User, subject: str, body: str, key: str, topic: str) -> None:
    unsubscribe = unsubscribe_url(user, topic)
    body += (f"\nYou get these emails because of your notification settings. "
             f"Unsubscribe with one click: {unsubscribe}\n")
    send_mail(user.email, subject, body, key=key, headers={
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})


def _absolute(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path


# --- daily digest ----------------------------------------------------------------------

def send_digests(now: datetime | None = None) -> int:
    """Mail each daily-digest member what they were told and not yet mailed; returns how
    many digests went out. Safe to run twice: collected notifications are marked."""
    now = now or utcnow()
    daily = select(NotificationPreference.user_id).where(NotificationPreference.replies == "daily")
    rows = db.session.scalars(select(Notification).where(
        Notification.user_id.in_(daily), Notification.mailed_at.is_(None),
        Notification.kind.in_(("reply", "accepted")), Notification.created_at <= now)
        .order_by(Notification.user_id, Notification.created_at)).all()
    by_user: dict[int, list[Notification]] = {}
    for note in rows:
        by_user.setdefault(note.user_id, []).append(note)
    for user_id, notes in by_user.items():
        _digest(user_id, notes, now)
    return len(by_user)


def _digest(user_id: int, notes: list[Notification], now: datetime) -> None:
    user = db.session.get(User, user_id)
    if user is not None and user.is_active:
        lines = [f"- {note.summary}: "
                 f"{_absolute(THREAD_PATH.format(note.thread_id))}"
                 for note in notes]
        body = "Your discussions since the last digest:\n\n" + "\n".join(lines) + "\n"
        _send(user, f"Your discussions digest ({len(notes)} new)", body,
              f"digest:{user_id}:{notes[-1].id}", "replies")
    db.session.execute(update(Notification).where(Notification.id.in_([n.id for n in notes]))
                       .values(mailed_at=now).execution_options(synchronize_session=False))


@jobs.task(DIGEST_JOB, max_attempts=5)
def digest_job() -> None:
    send_digests()
    db.session.commit()


def queue_digest(now: datetime | None = None) -> None:
    """Queue today's digest job (once per day, however often the schedule fires)."""
    day = (now or utcnow()).date().isoformat()
    jobs.enqueue(DIGEST_JOB, key=f"digest:{day}")


# --- unsubscribe -----------------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User, topic: str) -> str:
    return _serializer().dumps({"u": user.id, "e": user.email, "t": topic})


def unsubscribe_url(user: User, topic: str) -> str:
    return _absolute(UNSUBSCRIBE_PATH.format(unsubscribe_token(user, topic)))


def unsubscribe_target(token: str) -> tuple[User, str]:
    """The member and topic a link names; NotFound when it is forged, or when the member's
    address is no longer the one the link was sent to."""
    try:
        data = _serializer().loads(token)
        user = db.session.get(User, int(data["u"]))
        topic = data["t"]
        sent_to = data["e"]
    except (BadSignature, KeyError, TypeError, ValueError):
        raise NotFound("This unsubscribe link is not valid.") from None
    if user is None or user.email != sent_to or topic not in TOPICS:
        raise NotFound("This unsubscribe link is not valid.")
    return user, topic


def unsubscribe(token: str) -> tuple[User, str]:
    user, topic = unsubscribe_target(token)
    if topic == "replies":
        set_preferences(user, replies="off")
    else:
        set_preferences(user, announcements=False)
    return user, topic


# --- in-app list -----------------------------------------------------------------------

def unread_count(user_id: int) -> int:
    """Counted from the rows (the API's figure); pages show the user row's counter."""
    return db.session.execute(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))).scalar_one()


def notifications(user: User, limit: int = 50) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id.desc()).limit(limit)))


def mark_read(user: User, notification_id: int | None = None) -> None:
    """Mark one notification (or all) read; another member's is NotFound."""
    stmt = update(Notification).where(Notification.user_id == user.id,
                                      Notification.read_at.is_(None))
    if notification_id is not None:
        if db.session.get(Notification, notification_id) is None or db.session.get(
                Notification, notification_id).user_id != user.id:
            raise NotFound("No such notification.")
        stmt = stmt.where(Notification.id == notification_id)
    read = len(db.session.execute(stmt.values(read_at=utcnow()).returning(Notification.id)
                                  .execution_options(synchronize_session=False)).all())
    if read:
        _move_unread(user.id, -read)


def purge_old(days: int = 180) -> None:
    """Read notifications older than ``days`` are dropped (the list stays short)."""
    cutoff = utcnow() - timedelta(days=days)
    db.session.execute(Notification.__table__.delete().where(
        Notification.read_at.is_not(None), Notification.created_at < cutoff))
