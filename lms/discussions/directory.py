"""The directory of expertise: members who opted in, found by what they know.

Only members with ``directory_visible`` ever appear (an instructor too: their
course pages stay public, the directory lists them only when they opted in), and no
email address ever leaves: contact is a message the site relays by email.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, or_, select

from lms import ratelimit
from lms.accounts.models import CAREER_STAGES, ORG_TYPES, User
from lms.catalog.models import Course, CourseInstructor
from lms.catalog.topics import list_topics
from lms.discussions.models import DirectoryBlock, DirectoryMessage, DirectoryProfile
from lms.errors import Conflict, NotFound, RateLimited, Unauthorized, ValidationError
from lms.extensions import db, utcnow
from lms.mail import send_mail
from lms.text import TextError, clean_text

MAX_AREAS = 12
MAX_AREA_LENGTH = 80
MAX_MESSAGE = 4000


@dataclass(frozen=True)
class Colleague:
    id: int
    name: str
    expertise: list[str]
    career_stage: str | None
    org_type: str | None
    teaches: list[str]


def profile(user: User) -> DirectoryProfile:
    return db.session.get(DirectoryProfile, user.id) or DirectoryProfile(
        user_id=user.id, is_visible=False, expertise=[], expertise_key="")


def topic_names() -> list[str]:
    return [topic.name for topic in list_topics()]


def update_profile(user: User, data: dict) -> None:
    """Apply ``directory_visible`` and ``expertise`` from ``data`` (either may be absent).

    Raises ValidationError naming the field.
    """
    if "directory_visible" not in data and "expertise" not in data:
        return
    row = profile(user)
    if "directory_visible" in data:
        if not isinstance(data["directory_visible"], bool):
            raise ValidationError("Invalid input.",
                                  errors={"directory_visible": ["true or false."]})
        row.is_visible = data["directory_visible"]
    if "expertise" in data:
        row.expertise = clean_areas(data["expertise"])
        row.expertise_key = "|" + "|".join(area.casefold() for area in row.expertise) + "|"
    db.session.add(row)
    db.session.flush()


def clean_areas(value) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError("Invalid input.", errors={"expertise": ["Send a list of areas."]})
    areas: list[str] = []
    try:
        for area in value:
            area = clean_text(area, max_length=MAX_AREA_LENGTH, required=True)
            if area.casefold() not in (a.casefold() for a in areas):
                areas.append(area)
    except TextError as exc:
        raise ValidationError("Invalid input.", errors={"expertise": [str(exc)]}) from None
    if len(areas) > MAX_AREAS:
        raise ValidationError("Invalid input.",
                              errors={"expertise": [f"At most {MAX_AREAS} areas."]})
    return areas


def describe(user: User) -> dict:
    row = profile(user)
    return {"directory_visible": row.is_visible, "expertise": list(row.expertise or [])}


def search(user: User | None, *, q: str = "", expertise: str = "", career_stage: str = "",
           org_type: str = "", page: int = 1, per_page: int = 20) -> tuple[list[Colleague], int]:
    """Members who opted in, matching every filter given. Raises Unauthorized, ValidationError."""
    if user is None:
        raise Unauthorized("Log in first.")
    if career_stage and career_stage not in CAREER_STAGES:
        raise ValidationError("Invalid input.", errors={"career_stage": ["Unknown stage."]})
    if org_type and org_type not in ORG_TYPES:
        raise ValidationError("Invalid input.", errors={"org_type": ["Unknown type."]})
    for name, value, longest in (("q", q, 200), ("expertise", expertise, 80)):
        if len(value) > longest:
            raise ValidationError("Invalid input.",
                                  errors={name: [f"At most {longest} characters."]})
    stmt = (select(User.id, User.name, User.career_stage, User.org_type,
                   DirectoryProfile.expertise)
            .join(DirectoryProfile, DirectoryProfile.user_id == User.id)
            .where(DirectoryProfile.is_visible.is_(True), User.is_active.is_(True)))
    if q.strip():
        needle = f"%{_escape(q.strip().casefold())}%"
        stmt = stmt.where(or_(func.lower(User.name).like(needle, escape="\\"),
                              DirectoryProfile.expertise_key.like(needle, escape="\\")))
    if expertise.strip():
        stmt = stmt.where(DirectoryProfile.expertise_key.like(
            f"%|{_escape(expertise.strip().casefold())}|%", escape="\\"))
    if career_stage:
        stmt = stmt.where(User.career_stage == career_stage)
    if org_type:
        stmt = stmt.where(User.org_type == org_type)
    total = db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.session.execute(stmt.order_by(User.name, User.id).limit(per_page)
                              .offset((page - 1) * per_page)).all()
    teaches = _teaches([row.id for row in rows])
    return [Colleague(row.id, row.name, list(row.expertise or []), row.career_stage,
                      row.org_type, teaches.get(row.id, [])) for row in rows], total


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _teaches(user_ids: list[int]) -> dict[int, list[str]]:
    """Published courses each listed member teaches (their public course pages)."""
    if not user_ids:
        return {}
    rows = db.session.execute(select(CourseInstructor.user_id, Course.title)
                              .join(Course, Course.id == CourseInstructor.course_id)
                              .where(CourseInstructor.user_id.in_(user_ids),
                                     Course.status == "published").order_by(Course.title))
    found: dict[int, list[str]] = {}
    for user_id, title in rows:
        found.setdefault(user_id, []).append(title)
    return found


def _listed(member_id: int) -> User:
    user = db.session.get(User, member_id)
    row = db.session.get(DirectoryProfile, member_id)
    if user is None or not user.is_active or row is None or not row.is_visible:
        raise NotFound("No such member in the directory.")
    return user


def _may_message(sender: User, recipient_id: int) -> User:
    """Listed members, or anyone who wrote to the sender first (so they can answer)."""
    wrote_first = db.session.execute(select(DirectoryMessage.id).where(
        DirectoryMessage.sender_id == recipient_id,
        DirectoryMessage.recipient_id == sender.id).limit(1)).first()
    if wrote_first:
        recipient = db.session.get(User, recipient_id)
        if recipient is not None and recipient.is_active:
            return recipient
    return _listed(recipient_id)


def send_message(sender: User | None, recipient_id: int, body) -> DirectoryMessage:
    """Relay a message by email without showing either address.

    Raises Unauthorized, NotFound (not listed), ValidationError, Conflict (blocked, or
    to oneself), RateLimited (``DIRECTORY_MESSAGE_LIMIT`` per sender).
    """
    if sender is None:
        raise Unauthorized("Log in first.")
    recipient = _may_message(sender, recipient_id)
    if recipient.id == sender.id:
        raise Conflict("That is you.")
    try:
        body = clean_text(body, max_length=MAX_MESSAGE, required=True, multiline=True)
    except TextError as exc:
        raise ValidationError("Invalid input.", errors={"body": [str(exc)]}) from None
    if _blocked(recipient.id, sender.id):
        raise Conflict("This member does not accept messages from you.")
    if not ratelimit.allow("directory-message", str(sender.id),
                           current_app.config["DIRECTORY_MESSAGE_LIMIT"]):
        raise RateLimited("You have sent many messages; try again later.", retry_after=3600)
    message = DirectoryMessage(sender_id=sender.id, recipient_id=recipient.id, body=body,
                               created_at=utcnow())
    db.session.add(message)
    db.session.flush()
    send_mail(recipient.email, f"{sender.name} sent you a message on Core Learning",
              _relay_body(sender, message), key=f"directory-message:{message.id}")
    return message


def _relay_body(sender: User, message: DirectoryMessage) -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    return (f"{sender.name} wrote to you through the Core Learning directory:\n\n"
            f"{message.body}\n\n"
            f"Reply (your address stays private): {base}/directory/members/{sender.id}\n"
            f"Report this message or block the sender: {base}/directory/messages/{message.id}\n")


def _blocked(blocker_id: int, blocked_id: int) -> bool:
    return db.session.get(DirectoryBlock, (blocker_id, blocked_id)) is not None


def block(user: User | None, member_id: int) -> None:
    if user is None:
        raise Unauthorized("Log in first.")
    if db.session.get(User, member_id) is None or member_id == user.id:
        raise NotFound("No such member.")
    if not _blocked(user.id, member_id):
        db.session.add(DirectoryBlock(blocker_id=user.id, blocked_id=member_id))
        db.session.flush()


def received_message(user: User | None, message_id: int) -> DirectoryMessage:
    """A message the user received (others: NotFound)."""
    if user is None:
        raise Unauthorized("Log in first.")
    message = db.session.get(DirectoryMessage, message_id)
    if message is None or message.recipient_id != user.id:
        raise NotFound("No such message.")
    return message


def report_message(user: User | None, message_id: int, reason) -> DirectoryMessage:
    """The recipient reports a message to staff; the sender is blocked for them too."""
    message = received_message(user, message_id)
    try:
        message.report_reason = clean_text(reason, max_length=500, required=True)
    except TextError as exc:
        raise ValidationError("Invalid input.", errors={"reason": [str(exc)]}) from None
    message.reported_at = utcnow()
    block(user, message.sender_id)
    return message


def sender_name(message: DirectoryMessage) -> str:
    sender = db.session.get(User, message.sender_id)
    return sender.name if sender else "A former member"


def public_member(user: User | None, member_id: int) -> Colleague:
    """One colleague's directory card (listed members; or someone who wrote to the user)."""
    if user is None:
        raise Unauthorized("Log in first.")
    member = _may_message(user, member_id)
    row = profile(member)
    visible = bool(row.is_visible)
    return Colleague(member.id, member.name, list(row.expertise or []) if visible else [],
                     member.career_stage if visible else None,
                     member.org_type if visible else None,
                     _teaches([member.id]).get(member.id, []) if visible else [])
