"""Mail about sessions: confirmations with the invitation, updates, cancellations,
promotions from the waitlist, and reminders 24 hours and 1 hour before.

Every message is a job (``live.mail``) that takes ids and builds the message when it
runs, so an invitation always carries the session's current time and SEQUENCE. Each
is queued under a key naming what it is about, so a retried request, a second run of
the reminder command or a job delivered twice never mails a member twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import inspect, select
from sqlalchemy.orm import selectinload

from lms import jobs
from lms.extensions import db, utcnow
from lms.live import ics
from lms.live.models import LiveSession, Registration
from lms.live.times import span
from lms.mail import compose, dispatch
from lms.web import site_url

MAIL_JOB = "live.mail"
REMIND_JOB = "live.remind"
#: Reminders by name: how long before the start each goes out.
REMINDERS = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}
#: Kinds of mail that carry the invitation (.ics).
WITH_INVITATION = {"confirmed", "promoted", "updated", "cancelled"}
SUBJECTS = {
    "confirmed": "You are registered: {title}",
    "waitlisted": "You are on the waitlist: {title}",
    "promoted": "A seat is yours: {title}",
    "updated": "New time: {title}",
    "cancelled": "Cancelled: {title}",
    "reminder-24h": "Tomorrow: {title}",
    "reminder-1h": "Starting in an hour: {title}",
}


def queue_mail(registration: Registration, kind: str) -> None:
    """Queue one mail to a registrant, once per registration, kind and session version."""
    session = registration.session
    moment = int((registration.promoted_at or registration.created_at).timestamp())
    jobs.enqueue(MAIL_JOB, key=f"live-mail:{kind}:{registration.id}:{session.sequence}:{moment}",
                 registration_id=registration.id, kind=kind)


def tell_registrants(session: LiveSession, kind: str, *, waitlisted_too: bool = False) -> int:
    """Queue ``kind`` to everyone registered (and waiting, if asked)."""
    statuses = ("registered", "waitlisted") if waitlisted_too else ("registered",)
    rows = db.session.execute(select(Registration).where(
        Registration.session_id == session.id, Registration.status.in_(statuses))
    ).scalars().all()
    for registration in rows:
        queue_mail(registration, kind)
    return len(rows)


@jobs.task(MAIL_JOB, max_attempts=20)
def send_session_mail(registration_id: int, kind: str) -> None:
    registration = db.session.execute(
        select(Registration).where(Registration.id == registration_id)
        .options(selectinload(Registration.user),
                 selectinload(Registration.session).selectinload(LiveSession.course))
    ).scalar_one_or_none()
    if registration is None:
        return
    user, session = registration.user, registration.session
    message = compose(user.email, SUBJECTS[kind].format(title=session.course.title),
                      mail_body(registration, kind))
    if kind in WITH_INVITATION:
        invite = ics.invitation(event_data(session, attendee=user.email),
                                cancel=kind == "cancelled")
        method = "CANCEL" if kind == "cancelled" else "REQUEST"
        message.add_attachment(invite, maintype="text", subtype="calendar",
                               filename="invite.ics", params={"method": method})
    dispatch(message)


def mail_body(registration: Registration, kind: str) -> str:
    session, user = registration.session, registration.user
    title, zone = session.course.title, user.time_zone
    when = span(session.starts_at, session.ends_at, zone)
    page = site_url(f"/sessions/{session.id}")
    join = site_url(f"/sessions/{session.id}/join")
    lines = {
        "confirmed": f"You are registered for “{title}”, {when}.\n\nThe invitation is "
                     f"attached: open it to add the session to your calendar.",
        "waitlisted": f"“{title}” ({when}) is full, so you are on its waitlist. If a seat "
                      f"becomes free it is yours, and we will email you with the invitation.",
        "promoted": f"A seat became free and it is yours: “{title}”, {when}.\n\nThe "
                    f"invitation is attached.",
        "updated": f"The time of “{title}” has changed. It is now {when}.\n\nThe updated "
                   f"invitation is attached: opening it moves the event in your calendar.",
        "cancelled": f"“{title}” ({when}) has been cancelled. Opening the attached "
                     f"cancellation removes it from your calendar.",
        "reminder-24h": f"“{title}” starts tomorrow: {when}.",
        "reminder-1h": f"“{title}” starts in about an hour: {when}.",
    }[kind]
    if kind == "cancelled":
        return f"{lines}\n\nThe session page: {page}\n"
    return (f"{lines}\n\nJoin from this page (it opens 15 minutes before the start): "
            f"{join}\nThe session page: {page}\n")


def event_data(session: LiveSession, *, attendee: str | None = None) -> ics.EventData:
    """The session as a calendar event; its URL is our join page, never the meeting's."""
    host = current_app.config["BASE_URL"].split("//", 1)[-1].split("/", 1)[0]
    page = site_url(f"/sessions/{session.id}")
    return ics.EventData(
        uid=f"live-session-{session.id}@{host}", sequence=session.sequence,
        summary=session.course.title,
        description=f"{session.course.summary}\n\nJoin from {page}/join (it opens 15 minutes "
                    f"before the start).",
        starts_at=session.starts_at, ends_at=session.ends_at, url=f"{page}/join",
        stamp=session.updated_at or utcnow(), cancelled=session.status == "cancelled",
        organizer_email=_sender_address(), attendee_email=attendee)


def _sender_address() -> str:
    sender = current_app.config["MAIL_SENDER"]
    return sender.rsplit("<", 1)[-1].rstrip(">").strip()


# --- reminders -----------------------------------------------------------------------


def queue_reminders(now: datetime | None = None) -> int:
    """Queue the reminders now due: 24 hours before (unless the session is already less
    than an hour away) and 1 hour before. Run it every few minutes (README: cron).

    Each session's reminder is one job under a key naming the session, the reminder
    and the start time, so running this again queues nothing new; a session moved to
    another time gets its reminders again. Returns how many jobs were queued.
    """
    now = now or utcnow()
    due = db.session.execute(select(LiveSession).where(
        LiveSession.status == "scheduled", LiveSession.starts_at > now,
        LiveSession.starts_at <= now + REMINDERS["24h"])).scalars().all()
    queued = 0
    for session in due:
        name = "1h" if session.starts_at - now <= REMINDERS["1h"] else "24h"
        start = int(session.starts_at.timestamp())
        job = jobs.enqueue(REMIND_JOB, key=f"live-remind:{name}:{session.id}:{start}",
                           session_id=session.id, reminder=name, starts=start)
        queued += inspect(job).transient  # a job already queued comes back persistent
    db.session.flush()
    return queued


@jobs.task(REMIND_JOB)
def send_reminders(session_id: int, reminder: str, starts: int) -> None:
    """Mail each registered member the ``reminder`` (one mail job each, keyed)."""
    session = db.session.get(LiveSession, session_id)
    if session is None or session.status != "scheduled" or \
            int(session.starts_at.timestamp()) != starts:
        return  # cancelled or moved since: the moved time has reminders of its own
    rows = db.session.execute(select(Registration).where(
        Registration.session_id == session.id, Registration.status == "registered")
    ).scalars().all()
    for registration in rows:
        jobs.enqueue(MAIL_JOB, key=f"live-mail:reminder-{reminder}:{registration.id}:{starts}",
                     registration_id=registration.id, kind=f"reminder-{reminder}")
