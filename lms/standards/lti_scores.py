"""Completion goes back to the platform by LTI Assignment and Grade Services (AGS 2.0).

When a member completes a course they reached through a platform's resource link
that granted the score scope and named a line item, one job per link is queued
(keyed by the link, so a second completion signal queues nothing). The job gets
an access token from the platform's token endpoint with a client assertion
signed by the tool's key, and posts the score: full marks (100 of 100),
``Completed`` and ``FullyGraded``, timestamped with the completion. A platform
that is down or busy makes the job retry; the link remembers when the platform
accepted the score, so the job never sends it twice.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from lms.catalog.models import Enrollment
from lms.errors import DomainError
from lms.extensions import db, utcnow
from lms.jobs import TransientError, enqueue, task
from lms.standards import lti, lti_keys
from lms.standards.models import LtiLink, LtiPlatform

log = logging.getLogger("lms.standards.lti")

TASK = "standards.lti_send_score"
SCORE_MAXIMUM = 100


def queue_scores(course_id: int, user_id: int) -> None:
    """Queue the score of every LTI link of this member and course that takes scores."""
    links = db.session.scalars(select(LtiLink).where(
        LtiLink.course_id == course_id, LtiLink.user_id == user_id,
        LtiLink.lineitem_url.is_not(None), LtiLink.score_sent_at.is_(None)))
    for link in links:
        if lti.SCORE_SCOPE in link.scopes.split():
            enqueue(TASK, key=f"lti-score:{link.id}", link_id=link.id)


@task(TASK, max_attempts=20)
def send_score_job(link_id: int) -> None:
    """The job: send one link's completion score (nothing when it was sent already)."""
    send_score(link_id)


def send_score(link_id: int, now: datetime | None = None) -> bool:
    """Post the link's score to its line item; returns whether it was sent now.

    Raises TransientError when the platform is unreachable or answers 5xx/429,
    DomainError when it refuses the token request or the score (staff must look).
    """
    link = db.session.get(LtiLink, link_id)
    if link is None or link.score_sent_at is not None or link.lineitem_url is None:
        return False
    platform = db.session.get(LtiPlatform, link.platform_id)
    now = now or utcnow()
    key = lti_keys.tool_key()
    try:
        token = lti.access_token(platform.auth_token_url, platform.client_id, key.key, key.kid,
                                 int(now.timestamp()))
        lti.post_score(link.lineitem_url, token, _score(link, now))
    except lti.PlatformUnavailable as exc:
        raise TransientError(str(exc)) from exc
    except lti.PlatformRefused as exc:
        log.warning("LTI score for link %s refused: %s", link_id, exc)
        raise DomainError(str(exc)) from exc
    link.score_sent_at = now
    db.session.flush()
    return True


def _score(link: LtiLink, now: datetime) -> dict:
    completed_at = db.session.scalar(select(Enrollment.completed_at).where(
        Enrollment.user_id == link.user_id, Enrollment.course_id == link.course_id))
    return {"userId": link.subject, "scoreGiven": SCORE_MAXIMUM, "scoreMaximum": SCORE_MAXIMUM,
            "activityProgress": "Completed", "gradingProgress": "FullyGraded",
            "timestamp": (completed_at or now).isoformat()}
