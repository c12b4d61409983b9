"""Live webinar fixtures: a webinar course with an instructor, and sessions on it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lms.extensions import db
from tests.factories import make_course, make_user

JOIN_URL = "https://meet.example.org/j/8675309?pwd=secret"


@pytest.fixture
def instructor(app_ctx):
    return make_user(role="instructor", email="host@example.org", name="Host")


@pytest.fixture
def webinar(instructor):
    return make_course(instructors=[instructor], format="webinar", title="Linked data basics",
                       summary="An introduction for cataloguers.")


@pytest.fixture
def make_session(webinar):
    """``make_session(starts_in=timedelta(days=2), minutes=90, capacity=None, **over)``."""
    from lms.live.models import LiveSession

    def build(starts_in: timedelta = timedelta(days=2), minutes: int = 90, course=None,
              **over) -> LiveSession:
        starts = datetime.now(UTC).replace(microsecond=0) + starts_in
        fields = {"course_id": (course or webinar).id, "starts_at": starts,
                  "ends_at": starts + timedelta(minutes=minutes), "join_url": JOIN_URL,
                  "min_minutes": 60, "capacity": None}
        fields.update(over)
        session = LiveSession(**fields)
        db.session.add(session)
        db.session.commit()
        return session
    return build
