"""Live webinar fixtures: a webinar course with an instructor and sessions on it; and a held
webinar whose required item is its live session, with registrants named as in the sample
reports (tests/live/data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from lms.extensions import db
from tests.catalog.conftest import count_queries  # noqa: F401 - the statement counter
from tests.factories import api_headers, make_course, make_item, make_module, make_user
from tests.live import factories as live_factories

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


EMAILS = {"alice": "alice.archivist@example.org", "bob": "bob@example.org",
          "carol": "carol@example.org"}


@dataclass
class Webinar:
    course: object
    item: object
    session: object
    instructor: object
    members: dict
    registrations: dict

    def headers(self, who: str = "instructor") -> dict[str, str]:
        user = self.instructor if who == "instructor" else self.members[who]
        return api_headers(user)


@pytest.fixture
def held_webinar(app_ctx) -> Webinar:
    instructor = make_user(role="instructor", name="Pat Host", email="host@example.org")
    course = make_course(instructors=[instructor], format="webinar",
                         title="Reference Interviews That Work")
    module = make_module(course, title="Live")
    item = make_item(module, kind="session", title="Live session", body="")
    session = live_factories.make_session(course, item_id=item.id)
    members = {name: make_user(email=email, name=name.title())
               for name, email in EMAILS.items()}
    registrations = {name: live_factories.register(user, session)
                     for name, user in members.items()}
    db.session.commit()
    return Webinar(course, item, session, instructor, members, registrations)
