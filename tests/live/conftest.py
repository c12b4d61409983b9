"""A webinar course whose required item is its live session, with registrants named as
in the sample reports (tests/live/data)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lms.extensions import db
from tests.factories import api_headers, make_course, make_item, make_module, make_user
from tests.live.factories import make_session, register

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
def webinar(app_ctx) -> Webinar:
    instructor = make_user(role="instructor", name="Pat Host", email="host@example.org")
    course = make_course(instructors=[instructor], format="webinar",
                         title="Reference Interviews That Work")
    module = make_module(course, title="Live")
    item = make_item(module, kind="session", title="Live session", body="")
    session = make_session(course, item_id=item.id)
    members = {name: make_user(email=email, name=name.title())
               for name, email in EMAILS.items()}
    registrations = {name: register(user, session) for name, user in members.items()}
    db.session.commit()
    return Webinar(course, item, session, instructor, members, registrations)
