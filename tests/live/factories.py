"""Live sessions and registrations made with the models (the registration API is
another part's)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lms.extensions import db
from lms.live.models import GroupViewer, LiveSession, Registration

#: The sample reports' meeting: 5 December 2026, 10:00 to 11:00.
STARTS_AT = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


def make_session(course, **over) -> LiveSession:
    fields = {"course_id": course.id, "starts_at": STARTS_AT,
              "ends_at": STARTS_AT + timedelta(hours=1),
              "join_url": "https://meet.example.org/j/8123456789", "min_minutes": 45}
    fields.update(over)
    session = LiveSession(**fields)
    db.session.add(session)
    db.session.commit()
    return session


def register(user, session, *, viewers: tuple[tuple[str, str], ...] = (),
             **over) -> Registration:
    """``user`` registered for ``session``; ``viewers`` are (name, email) co-viewers."""
    fields = {"session_id": session.id, "user_id": user.id, "status": "registered"}
    fields.update(over)
    registration = Registration(**fields)
    registration.group_viewers = [GroupViewer(name=name, email=email.lower())
                                  for name, email in viewers]
    db.session.add(registration)
    db.session.commit()
    return registration
