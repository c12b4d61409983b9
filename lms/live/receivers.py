"""Live webinars keep the public calendar's cached page fresh, and register their jobs."""

from __future__ import annotations


def connect() -> None:
    from lms import pagecache
    from lms.live import notify  # noqa: F401 - registers the mail and reminder tasks
    from lms.live.models import LiveSession

    pagecache.watch(LiveSession)
