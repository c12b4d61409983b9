"""Fixtures for progress tests: a course with a video and a reading, and an enrolled member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from lms.extensions import db, utcnow
from tests.factories import (
    api_headers,
    enrol,
    make_course,
    make_item,
    make_media,
    make_module,
    make_user,
)


@dataclass
class Setup:
    course: object
    video: object
    reading: object
    member: object
    enrollment: object
    headers: dict


@pytest.fixture
def setup(app_ctx) -> Setup:
    instructor = make_user(role="instructor")
    course = make_course(instructors=[instructor], title="Cataloguing basics")
    module = make_module(course, title="Getting started")
    video = make_item(module, kind="video", title="Welcome recording",
                      media=make_media(duration_seconds=120.0))
    reading = make_item(module, kind="reading", title="Read me",
                        body="## Hello\n\nText. <script>alert(1)</script>")
    member = make_user()
    enrollment = enrol(member, course)
    return Setup(course, video, reading, member, enrollment, api_headers(member))


def opened_ago(member, item, seconds: float) -> None:
    """Pretend the member first opened the item ``seconds`` ago (the credit clock)."""
    from lms.progress.service import open_item

    open_item(member, item.id, now=utcnow() - timedelta(seconds=seconds))
    db.session.commit()


@pytest.fixture
def open_ago():
    return opened_ago
