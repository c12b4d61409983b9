"""Applications to teach: a member asks for the instructor role, staff decide.

Plain functions; each flushes and leaves the commit to the caller.
"""

from __future__ import annotations

from sqlalchemy import select

from lms import mail
from lms.accounts.models import TeachApplication, User
from lms.accounts.service import require_admin
from lms.errors import Conflict, NotFound, ValidationError
from lms.extensions import db, utcnow
from lms.text import TextError, clean_text


def apply_to_teach(user: User, expertise: str, topic: str) -> TeachApplication:
    """File a request for the instructor role; one pending request at a time."""
    errors: dict[str, list[str]] = {}
    expertise = _field(expertise, "expertise", errors, max_length=10_000, multiline=True)
    topic = _field(topic, "proposed_topic", errors, max_length=200)
    if "expertise" not in errors and len(expertise) < 20:
        errors["expertise"] = ["Tell us a little more (at least 20 characters)."]
    if "proposed_topic" not in errors and not topic:
        errors["proposed_topic"] = ["Name a topic you would like to teach."]
    if errors:
        raise ValidationError("Please correct the marked fields.", errors=errors)
    if user.can_teach:
        raise Conflict("You can already create courses.")
    if pending_application(user):
        raise Conflict("Your earlier application is still being reviewed.")
    application = TeachApplication(user=user, expertise=expertise, proposed_topic=topic)
    db.session.add(application)
    db.session.flush()
    return application


def _field(value, name: str, errors: dict[str, list[str]], **rules) -> str:
    """``value`` through :func:`lms.text.clean_text`; its message into ``errors`` if refused."""
    try:
        return clean_text(value, **rules)
    except TextError as exc:
        errors[name] = [str(exc)]
        return ""


def pending_application(user: User) -> TeachApplication | None:
    return db.session.execute(
        select(TeachApplication).where(
            TeachApplication.user_id == user.id, TeachApplication.status == "pending")
    ).scalar_one_or_none()


def list_applications(actor: User | None, status: str = "pending") -> list[TeachApplication]:
    require_admin(actor)
    return list(db.session.execute(
        select(TeachApplication).where(TeachApplication.status == status)
        .order_by(TeachApplication.created_at)
    ).scalars())


def decide_application(actor: User | None, application_id: int, approve: bool) -> TeachApplication:
    """Approve (grants instructor) or decline a pending application, and tell the member."""
    require_admin(actor)
    application = db.session.get(TeachApplication, application_id)
    if application is None:
        raise NotFound("No such application.")
    if application.status != "pending":
        raise Conflict("This application was already decided.")
    application.status = "approved" if approve else "declined"
    application.decided_at = utcnow()
    application.decided_by_id = actor.id
    if approve:
        application.user.is_instructor = True
    db.session.flush()
    verdict = "approved: you can now create courses" if approve else "not approved this time"
    mail.send_mail(application.user.email, "Your application to teach",
                   f"Hello {application.user.name},\n\nYour application to teach was {verdict}.\n")
    return application
