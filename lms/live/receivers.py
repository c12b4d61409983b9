"""Live webinars keep the public calendar's cached page fresh, register their jobs, show a
member's upcoming sessions on My learning, and listen to progress (a recording watched) and
accounts (a colleague invited to claim a session's credit has registered)."""

from __future__ import annotations

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from lms import signals


def connect() -> None:
    from lms import pagecache
    from lms.catalog.views import register_course_section
    from lms.live import notify  # noqa: F401 - registers the mail and reminder tasks
    from lms.live.models import LiveSession
    from lms.live.views import course_page_section, my_learning_section
    from lms.progress.views import register_dashboard_section

    pagecache.watch(LiveSession)
    event.listen(Session, "after_flush", move_live_revisions)
    register_dashboard_section(my_learning_section)
    register_course_section(course_page_section)
    signals.video_completed.connect(on_video_completed)
    signals.member_registered.connect(on_member_registered)


def on_video_completed(item_id: int, *, user, item, course, now, **_) -> None:
    """A finished recording completes the session item of a member who missed it live."""
    from lms.live.attendance import complete_by_recording

    complete_by_recording(user, item, course, now)


def on_member_registered(user_id: int, *, user, **_) -> None:
    """A confirmed co-viewer who just made an account gets their credit."""
    from lms.live.group import claim_for_new_member

    claim_for_new_member(user)


#: Session columns My learning's "upcoming webinars" shows (seat counts it does not).
_SHOWN = ("starts_at", "ends_at", "status")


def move_live_revisions(session: Session, _context) -> None:
    """Move ``user.live_revision`` of members whose places were just written: their own
    registrations, and every registrant of a session whose time or status changed."""
    from lms.accounts.models import User
    from lms.live.models import LiveSession, Registration

    members: set[int] = set()
    moved: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Registration) and obj.user_id is not None:
            members.add(obj.user_id)
        elif isinstance(obj, LiveSession) and obj.id is not None and _shown_changed(obj):
            moved.add(obj.id)
    if not (members or moved):
        return
    ids = select(Registration.user_id).where(Registration.session_id.in_(moved))
    where = User.id.in_(members) | User.id.in_(ids) if moved else User.id.in_(members)
    session.connection().execute(
        update(User).where(where).values(live_revision=User.live_revision + 1))


def _shown_changed(live_session) -> bool:
    state = inspect(live_session)
    return any(state.attrs[name].history.has_changes() for name in _SHOWN)
