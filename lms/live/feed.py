"""A member's calendar feed: a secret address their calendar program subscribes to.

The address holds ``<member id>-<version>-<signature>``, the signature an HMAC of
the first two with the site's secret key. Nothing secret is stored; resetting the
feed raises ``version``, so every address handed out before stops working.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.errors import NotFound, Unauthorized
from lms.extensions import db, utcnow
from lms.live import ics
from lms.live.models import CalendarFeed, LiveSession, Registration
from lms.live.notify import event_data

#: Sessions that ended longer ago than this drop out of the feed.
KEEP_ENDED = timedelta(days=90)


def _signature(user_id: int, version: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    message = f"calendar-feed:{user_id}:{version}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def token_of(feed: CalendarFeed) -> str:
    return f"{feed.user_id}-{feed.version}-{_signature(feed.user_id, feed.version)}"


def current_feed(actor: User | None) -> CalendarFeed | None:
    """The member's feed, if they asked for one."""
    if actor is None:
        raise Unauthorized("Log in first.")
    return db.session.get(CalendarFeed, actor.id)


def reset_feed(actor: User | None) -> CalendarFeed:
    """Make the member's feed, or give it a new address (the old one answers 404 from now)."""
    feed = current_feed(actor)
    if feed is None:
        feed = CalendarFeed(user_id=actor.id, version=1)
        db.session.add(feed)
    else:
        feed.version += 1
    db.session.flush()
    return feed


def member_for_token(token: str) -> User:
    """The member whose current feed ``token`` names; NotFound for anything else."""
    user_id, _, rest = token.partition("-")
    version, _, signature = rest.partition("-")
    if not (user_id.isdigit() and version.isdigit() and len(user_id) < 11 and len(version) < 11):
        raise NotFound("No such calendar.")
    expected = _signature(int(user_id), int(version))
    if not hmac.compare_digest(expected, signature):
        raise NotFound("No such calendar.")
    feed = db.session.get(CalendarFeed, int(user_id))
    if feed is None or feed.version != int(version):
        raise NotFound("No such calendar.")
    return db.session.get(User, feed.user_id)


def feed_bytes(token: str, now: datetime | None = None) -> bytes:
    """The member's sessions (registered, or cancelled by staff) as one calendar."""
    user = member_for_token(token)
    since = (now or utcnow()) - KEEP_ENDED
    rows = db.session.execute(
        select(Registration).join(LiveSession)
        .where(Registration.user_id == user.id, Registration.status == "registered",
               LiveSession.ends_at >= since)
        .order_by(LiveSession.starts_at)
        .options(selectinload(Registration.session).selectinload(LiveSession.course))
    ).scalars().all()
    return ics.feed("Core Learning webinars", [event_data(r.session) for r in rows])
