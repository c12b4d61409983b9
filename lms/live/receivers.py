"""Live webinars keep the public calendar's cached page fresh, register their jobs, and
show a member's upcoming sessions on My learning."""

from __future__ import annotations


def connect() -> None:
    from lms import pagecache
    from lms.live import notify  # noqa: F401 - registers the mail and reminder tasks
    from lms.live.models import LiveSession
    from lms.live.views import my_learning_section
    from lms.progress.views import register_dashboard_section

    pagecache.watch(LiveSession)
    register_dashboard_section(my_learning_section)
