"""Live webinars keep the public calendar's cached page fresh, register their jobs, show a
member's upcoming sessions on My learning, and listen to progress (a recording watched) and
accounts (a colleague invited to claim a session's credit has registered)."""

from __future__ import annotations

from lms import signals


def connect() -> None:
    from lms import pagecache
    from lms.catalog.views import register_course_section
    from lms.live import notify  # noqa: F401 - registers the mail and reminder tasks
    from lms.live.models import LiveSession
    from lms.live.views import course_page_section, my_learning_section
    from lms.progress.views import register_dashboard_section

    pagecache.watch(LiveSession)
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
