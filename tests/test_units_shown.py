"""Lengths of time read the same on every page, and numbers come back as they were typed.

Each length is shown where a user meets it: the course page (item, module and
course), the instructor's media library and the quiz page (time allowed, wait
between attempts). All of them use :func:`lms.units.duration`: an 18-second
video is "18 seconds", never "1 min".
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from lms.extensions import db
from lms.quizzes.models import Question
from tests.factories import (
    api_headers,
    enrol,
    make_course,
    make_item,
    make_media,
    make_module,
    make_user,
)

LENGTHS = [(18, "18 seconds"), (65, "1 minute 5 seconds"), (60, "1 minute"),
           (3725, "1 hour 2 minutes"), (7200, "2 hours"), (1, "1 second")]
ABBREVIATED = (" min<", " min)", " min ", " h ", " s<", " s)", " sec<", " sec)", " sec ")


def assert_shown(html: str, text: str) -> None:
    assert text in html
    assert not any(short in html for short in ABBREVIATED)


@pytest.mark.parametrize(("seconds", "text"), LENGTHS)
def test_course_page_gives_item_module_and_course_lengths(client, app_ctx, seconds, text):
    course = make_course(title="Weeding Without Worry")
    module = make_module(course, title="Basics")
    make_item(module, kind="video", title="Welcome", media=make_media(duration_seconds=seconds))
    html = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert_shown(html, f"({text})")
    assert f"{text} of recordings" in html  # the module
    assert f"<dd>{text}</dd>" in html  # the course


@pytest.mark.parametrize(("seconds", "text"), LENGTHS)
def test_media_library_gives_the_same_lengths(client, auth, app_ctx, seconds, text):
    teacher = make_user(role="instructor")
    make_media(duration_seconds=seconds, uploader_id=teacher.id)
    auth.login(teacher.email)
    assert_shown(client.get("/studio/media").get_data(as_text=True), f"<td>{text}</td>")


@pytest.mark.parametrize(("seconds", "text"), LENGTHS)
def test_quiz_page_gives_time_allowed_and_wait_in_the_same_words(
        client, auth, app_ctx, seconds, text):
    teacher, member = make_user(role="instructor"), make_user()
    course = make_course(instructors=[teacher])
    item = make_item(make_module(course), kind="quiz", title="Check", body="")
    enrol(member, course)
    response = client.patch(f"/api/v1/items/{item.id}/quiz", headers=api_headers(teacher),
                            json={"time_limit_seconds": seconds, "cooldown_seconds": seconds})
    assert response.status_code == 200, response.get_json()
    auth.login(member.email)
    html = client.get(f"/quiz/{item.id}").get_data(as_text=True)
    assert_shown(html, f"<dt>Wait between attempts</dt><dd>{text}</dd>")
    assert f"<dt>Time limit</dt>\n      <dd>{text}</dd>" in html


def test_quiz_studio_shows_minutes_and_points_as_typed(client, auth, app_ctx):
    teacher = make_user(role="instructor")
    item = make_item(make_module(make_course(instructors=[teacher])), kind="quiz", body="")
    headers = api_headers(teacher)
    assert client.patch(f"/api/v1/items/{item.id}/quiz", headers=headers,
                        json={"time_limit_seconds": 1800}).status_code == 200
    added = client.post(f"/api/v1/items/{item.id}/questions", headers=headers, json={
        "kind": "true_false", "prompt": "RDA replaced AACR2.", "answer": True, "points": 1.5})
    assert added.status_code == 201, added.get_json()
    assert db.session.get(Question, added.get_json()["id"]).points == Decimal("1.50")
    auth.login(teacher.email)
    settings = client.get(f"/studio/quizzes/{item.id}").get_data(as_text=True)
    assert 'name="time_limit_minutes"' in settings and 'value="30"' in settings
    assert 'value="30.0"' not in settings
    question = client.get(
        f"/studio/quizzes/questions/{added.get_json()['id']}").get_data(as_text=True)
    assert 'value="1.5"' in question and 'value="1.50"' not in question
