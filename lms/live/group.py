"""Group viewing: colleagues who watched on a registrant's screen.

After the session the registrant confirms who was there. Each confirmed colleague
with an account completes the session item (certificate and credit follow through
progress, once); one without an account is emailed an invitation to claim it by
registering with that address, and gets it when they do (``claim_for_new_member``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from lms.accounts.models import User
from lms.accounts.service import find_by_email
from lms.catalog.models import Course
from lms.errors import Conflict, NotFound, Unauthorized, ValidationError
from lms.extensions import db, utcnow
from lms.live.attendance import complete_session_item
from lms.live.models import GroupViewer, LiveSession, Registration
from lms.mail import send_mail
from lms.web import site_url


@dataclass(frozen=True)
class Confirmed:
    email: str
    #: "credited" (has an account), "invited" (emailed to claim it), or "already".
    outcome: str


@dataclass(frozen=True)
class GroupPage:
    session: LiveSession
    course: Course
    registration: Registration
    viewers: list[GroupViewer]
    is_over: bool


def my_registration(actor: User | None, session_id: int) -> Registration:
    """The actor's own registration for the session.

    Raises Unauthorized (logged out) and NotFound (no such session, or not registered).
    """
    if actor is None:
        raise Unauthorized("Log in first.")
    registration = db.session.scalar(select(Registration).where(
        Registration.session_id == session_id, Registration.user_id == actor.id,
        Registration.status != "cancelled"))
    if registration is None:
        raise NotFound("You are not registered for this session.")
    return registration


def group_page(actor: User | None, session_id: int, *, now: datetime | None = None
               ) -> GroupPage:
    """The registrant's co-viewers and whether they can be confirmed yet."""
    now = now or utcnow()
    registration = my_registration(actor, session_id)
    session = registration.session
    viewers = sorted(registration.group_viewers, key=lambda viewer: viewer.name.lower())
    return GroupPage(session, db.session.get(Course, session.course_id), registration,
                     viewers, session.ends_at <= now)


def confirm_viewers(actor: User | None, session_id: int, emails: object, *,
                    now: datetime | None = None) -> list[Confirmed]:
    """The registrant confirms which listed colleagues attended.

    Raises Unauthorized, NotFound (not the registrant), ValidationError (emails not a
    list of their co-viewers' addresses: nothing changes) and Conflict (the session
    has not ended, or was cancelled).
    """
    now = now or utcnow()
    registration = my_registration(actor, session_id)
    viewers = _chosen_viewers(registration, emails)
    _check_confirmable(registration.session, now)
    return [_confirm(viewer, registration.session, now) for viewer in viewers]


def _chosen_viewers(registration: Registration, emails: object) -> list[GroupViewer]:
    if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
        raise ValidationError("Send the co-viewers' emails as a list.",
                              errors={"emails": ["A list of email addresses."]})
    listed = {viewer.email.lower(): viewer for viewer in registration.group_viewers}
    wanted = list(dict.fromkeys(email.strip().lower() for email in emails))
    unknown = [email for email in wanted if email not in listed]
    if unknown:
        raise ValidationError("Only the colleagues you listed can be confirmed.", errors={
            "emails": [f"{email} is not one of your co-viewers." for email in unknown]})
    return [listed[email] for email in wanted]


def _check_confirmable(session: LiveSession, now: datetime) -> None:
    if session.status == "cancelled":
        raise Conflict("This session was cancelled.")
    if session.ends_at > now:
        raise Conflict("Confirm who watched with you once the session has ended.")


def _confirm(viewer: GroupViewer, session: LiveSession, now: datetime) -> Confirmed:
    if viewer.confirmed_at is None:
        viewer.confirmed_at = now
    if viewer.credited_at is not None:
        return Confirmed(viewer.email, "already")
    user = find_by_email(viewer.email)
    if user is None:
        _invite(viewer, session)
        db.session.flush()
        return Confirmed(viewer.email, "invited")
    credit_viewer(viewer, user, session, now)
    return Confirmed(viewer.email, "credited")


def credit_viewer(viewer: GroupViewer, user: User, session: LiveSession,
                  now: datetime) -> bool:
    """Credit a confirmed colleague once (a conditional UPDATE decides, under races)."""
    won = db.session.execute(
        update(GroupViewer).where(GroupViewer.id == viewer.id,
                                  GroupViewer.credited_at.is_(None))
        .values(credited_at=now, user_id=user.id)
        .execution_options(synchronize_session=False)).rowcount == 1
    if won:
        viewer.credited_at, viewer.user_id = now, user.id
        complete_session_item(user, session.course_id, session.item_id, now)
    db.session.flush()
    return won


def _invite(viewer: GroupViewer, session: LiveSession) -> None:
    registrant = db.session.get(User, viewer.registration.user_id)
    course = db.session.get(Course, session.course_id)
    body = (f"Hello {viewer.name},\n\n{registrant.name} confirmed that you watched "
            f"“{course.title}” with them on {session.starts_at:%d %B %Y}.\n\n"
            f"To receive your certificate and CE credit, create your Core Learning account "
            f"with this email address ({viewer.email}):\n{site_url('/register')}\n\n"
            "The credit is added as soon as the account exists.\n")
    send_mail(viewer.email, f"Claim your certificate for “{course.title}”", body,
              key=f"group-viewer-invite:{viewer.id}")


def claim_for_new_member(user: User, *, now: datetime | None = None) -> int:
    """A new member who was a confirmed co-viewer gets their credits; how many."""
    now = now or utcnow()
    waiting = db.session.execute(
        select(GroupViewer, LiveSession)
        .join(Registration, GroupViewer.registration_id == Registration.id)
        .join(LiveSession, Registration.session_id == LiveSession.id)
        .where(GroupViewer.email == user.email.lower(), GroupViewer.confirmed_at.is_not(None),
               GroupViewer.credited_at.is_(None))).all()
    return sum(credit_viewer(viewer, user, session, now) for viewer, session in waiting)
