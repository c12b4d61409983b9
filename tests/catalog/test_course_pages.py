"""The public course page and ``GET /api/v1/courses/{id}``: content, and who sees drafts."""

from datetime import UTC, date, datetime

import pytest

from lms.catalog.models import CourseAudience, Topic
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
