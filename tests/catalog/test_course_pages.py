"""The public course page and ``GET /api/v1/courses/{id}``: content, and who sees drafts."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from lms.catalog.models import CourseAudience, Topic
from lms.extensions import db, utcnow
from lms.progress.service import open_item
from tests.factories import api_headers, enrol, make_course, make_item, make_media, make_user


@pytest.fixture
def people(app_ctx):
    teacher = make_user(role="instructor", email="teacher@example.org")
    return {
        "teacher": teacher,
        "co_teacher": make_user(role="instructor", email="co@example.org"),
        "other_teacher": make_user(role="instructor", email="other@example.org"),
        "member": make_user(email="member@example.org"),
        "admin": make_user(role="admin", email="admin@example.org"),
    }


@pytest.mark.parametrize("status", ["draft", "archived"])
@pytest.mark.parametrize("who, expected", [
    (None, 404), ("member", 404), ("other_teacher", 404),
    ("teacher", 200), ("co_teacher", 200), ("admin", 200),
])
def test_unpublished_courses_are_404_except_to_their_editors(client, auth, people, status,
                                                             who, expected):
    course = make_course(instructors=[people["teacher"], people["co_teacher"]], status=status,
                         title="Hidden plans")
    headers = {}
    if who:
        auth.login(people[who].email)
        headers = api_headers(people[who])
    page = client.get(f"/courses/{course.slug}")
    assert page.status_code == expected
    assert ("Hidden plans" in page.get_data(as_text=True)) is (expected == 200)
    auth.logout()
    api = client.get(f"/api/v1/courses/{course.id}", headers=headers)
    assert api.status_code == expected
    if expected == 404:
        assert api.mimetype == "application/problem+json"
    else:
        assert api.get_json()["status"] == status


def test_enrolled_members_still_get_404_for_a_draft(client, auth, people):
    course = make_course(status="draft")
    enrol(people["member"], course)
    auth.login("member@example.org")
    assert client.get(f"/courses/{course.slug}").status_code == 404


def test_unknown_courses_are_404(client, app_ctx):
    assert client.get("/courses/nothing-here").status_code == 404
    assert client.get("/api/v1/courses/999").status_code == 404


def test_course_page_shows_what_a_member_needs_to_decide(client, people):
    topic = Topic(slug="archives", name="Archives")
    course = make_course(
        title="Oral histories", summary="Record, describe and share.", format="webinar",
        description="## Why\n\nVoices <script>alert(1)</script> matter.", ce_hours=1.25,
        outcomes="Plan an interview\nWrite a release form", presenters="Amara Diallo",
        recorded_on=date(2025, 3, 4), topics=[topic], instructors=[people["teacher"]],
        audience=[CourseAudience(career_stage="student")], enrol_window_days=540)
    video = make_media(duration_seconds=3725.0)
    make_item(make_module_for(course), kind="video", media=video, title="The recording")
    html = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    for text in ["Oral histories", "Record, describe and share.", "<h2>Why</h2>",
                 "Plan an interview", "Write a release form", "Amara Diallo", "1.25",
                 "Recorded", "4 March 2025", "Archives", "Student (LIS or library school)",
                 "Member", "The recording", "1 hour 2 minutes", "540 days", "Log in to enrol"]:
        assert text in html, text
    assert "<script>alert" not in html


def make_module_for(course):
    from tests.factories import make_module

    return make_module(course, title="Recording")


def test_course_api_returns_status_and_outline(client, people):
    course = make_course(modules=2, items_per_module=3, instructors=[people["teacher"]])
    body = client.get(f"/api/v1/courses/{course.id}").get_json()
    assert body["status"] == "published" and body["ce_hours"] == 1.5
    assert [m["position"] for m in body["modules"]] == [0, 1]
    item = body["modules"][1]["items"][2]
    assert set(item) >= {"id", "kind", "title", "required", "position"}
    assert item["title"] == "Reading 2.3" and item["required"] is True


def test_enrolled_member_sees_their_enrolment_instead_of_the_button(client, auth, people):
    course = make_course(modules=1, items_per_module=1)
    enrol(people["member"], course, enrolled_at=datetime(2025, 2, 1, tzinfo=UTC))
    auth.login("member@example.org")
    html = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "You enrolled on" in html and "1 February 2025" in html
    assert f'action="/courses/{course.slug}/enrol"' not in html
    assert f'href="/learn/{course.slug}"' in html  # "Continue learning", in the player


def test_editors_get_a_link_to_the_studio(client, auth, people):
    course = make_course(instructors=[people["teacher"]])
    auth.login("teacher@example.org")
    html = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert f'href="/studio/courses/{course.id}"' in html
    auth.logout()
    auth.login("member@example.org")
    assert "/studio/" not in client.get(f"/courses/{course.slug}").get_data(as_text=True)


def test_home_page_shows_the_newest_courses(client, app_ctx):
    for n in range(8):
        make_course(title=f"Course number {n}",
                    published_at=datetime(2025, 1, 1 + n, tzinfo=UTC))
    make_course(title="Unfinished draft", status="draft")
    html = client.get("/").get_data(as_text=True)
    assert "Course number 7" in html and "Course number 2" in html
    assert "Course number 1" not in html and "Unfinished draft" not in html


def test_catalog_page_works_without_javascript(client, app_ctx):
    make_course(title="Weeding the collection", format="webinar")
    make_course(title="Weeding for beginners", format="course")
    html = client.get("/courses?q=weeding&format=webinar").get_data(as_text=True)
    assert "1 course found" in html
    assert "Weeding the collection" in html and "Weeding for beginners" not in html
    assert 'role="search"' in html and 'role="status"' in html


def test_catalog_page_shows_bad_filters_next_to_their_fields(client, app_ctx):
    make_course(title="Anything")
    response = client.get("/courses?ce_min=lots&format=podcast")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="ce_min-error"' in html and 'id="format-error"' in html
    assert "1 course found" in html


def progress_shown(client, slug: str) -> tuple[str | None, str | None]:
    """The enrolment box's progress bar value and its words, or (None, None)."""
    html = client.get(f"/courses/{slug}").get_data(as_text=True)
    bar = re.search(r'<progress max="100" value="(\d+)" aria-label="Your progress in '
                    r'this course">', html)
    words = re.search(r'<p class="progress-text">([^<]+)</p>', html)
    return bar and bar.group(1), words and words.group(1)


def my_learning_percent(client) -> str:
    html = client.get("/my-learning").get_data(as_text=True)
    return re.search(r'<p class="progress-text">(\d+)% complete</p>', html).group(1)


def test_an_enrolled_member_sees_their_progress_on_the_course_page(client, auth, people):
    """Percent (as on My learning) and required items done, in words and as a bar; kept
    pages follow each new piece of progress."""
    course = make_course(instructors=[people["teacher"]], modules=1, items_per_module=4)
    module = course.modules[0]
    video = make_item(module, kind="video", title="Talk", media=make_media(duration_seconds=600))
    make_item(module, title="Further reading", is_required=False)
    readings = [item for item in module.items if item.kind == "reading" and item.is_required]
    member, headers = people["member"], api_headers(people["member"])
    enrol(member, course)
    auth.login(member.email)

    assert progress_shown(client, course.slug) == (
        "0", "0% complete: 0 of 5 required items done.")
    for reading in readings[:3]:
        client.post(f"/api/v1/items/{reading.id}/progress", json={"completed": True},
                    headers=headers)
        client.get(f"/courses/{course.slug}")  # each step read, so kept pages must follow
    assert progress_shown(client, course.slug) == (
        "60", "60% complete: 3 of 5 required items done.")
    # Half of the video watched counts towards the percent, not towards items done.
    open_item(member, video.id, now=utcnow() - timedelta(hours=1))
    db.session.commit()
    client.post(f"/api/v1/items/{video.id}/progress",
                json={"position": 270, "played": [[0, 270]]}, headers=headers)
    bar, words = progress_shown(client, course.slug)
    assert (bar, words) == ("70", "70% complete: 3 of 5 required items done.")
    assert my_learning_percent(client) == bar


def test_the_course_page_says_one_item_and_shows_no_bar_once_complete(client, auth, people):
    course = make_course(instructors=[people["teacher"]], modules=1, items_per_module=1)
    item = course.modules[0].items[0]
    enrol(people["member"], course)
    auth.login(people["member"].email)
    assert progress_shown(client, course.slug)[1] == "0% complete: 0 of 1 required item done."
    client.post(f"/api/v1/items/{item.id}/progress", json={"completed": True},
                headers=api_headers(people["member"]))
    html = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "You completed it on" in html and "<progress" not in html


@pytest.mark.parametrize("who", [None, "teacher", "member"])
def test_only_enrolled_members_see_progress_on_the_course_page(client, auth, people, who):
    course = make_course(instructors=[people["teacher"]], modules=1, items_per_module=2)
    if who:
        auth.login(people[who].email)
    assert progress_shown(client, course.slug) == (None, None)
