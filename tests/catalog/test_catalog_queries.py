"""Pages run a fixed, small number of SQL statements, whatever the catalog's size."""

import pytest

from lms.catalog.models import CourseAudience, Topic
from lms.extensions import db
from tests.factories import enrol, make_course, make_item, make_media, make_module, make_user

MAX_QUERIES = 6
#: A signed-in member's page header shows their unread notifications from the user row.
HEADER_QUERIES = 0
#: A course page asks once for the course's upcoming live sessions (listed below it).
SECTION_QUERIES = 1


def fill_catalog(n: int) -> None:
    topics = [db.session.execute(db.select(Topic).filter_by(slug=f"topic-{k}")).scalar()
              or Topic(slug=f"topic-{k}", name=f"Topic {k}") for k in range(3)]
    teacher, co_teacher = make_user(role="instructor"), make_user(role="instructor")
    for k in range(n):
        make_course(instructors=[teacher, co_teacher], topics=topics[: 1 + k % 3],
                    audience=[CourseAudience(career_stage="student")],
                    description=f"About shared cataloging number {k}.")


def course_with_outline(modules: int, items: int):
    course = make_course(instructors=[make_user(role="instructor")],
                         topics=[Topic(slug=f"t-{modules}", name="T")],
                         audience=[CourseAudience(career_stage="senior")])
    for m in range(modules):
        module = make_module(course, title=f"Module {m}", position=m)
        for i in range(items):
            make_item(module, kind="video", media=make_media(duration_seconds=60.0 * (i + 1)),
                      title=f"Video {m}.{i}", position=i)
    return course


def statements(client, count_queries, url: str) -> int:
    """Statements one request sends, starting from an empty session as a real request does."""
    db.session.expunge_all()
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return counter.count


@pytest.mark.parametrize("url", ["/courses", "/courses?q=cataloging&sort=title",
                                 "/courses?topic=topic-0&career_stage=student",
                                 "/api/v1/courses?per_page=100", "/"])
def test_catalog_queries_do_not_grow_with_the_catalog(client, auth, count_queries, url):
    fill_catalog(10)
    small = statements(client, count_queries, url)
    fill_catalog(90)
    large = statements(client, count_queries, url)
    assert small == large <= MAX_QUERIES
    make_user(email="reader@example.org")
    auth.login("reader@example.org")
    assert statements(client, count_queries, url) <= MAX_QUERIES


def test_catalog_page_lists_a_full_page_of_a_hundred_courses(client, app_ctx):
    fill_catalog(100)
    html = client.get("/courses").get_data(as_text=True)
    assert "100 courses found, page 1 of 5" in html
    assert html.count('class="course-card"') == 20


@pytest.mark.parametrize("enrolled", [False, True])
def test_course_page_queries_do_not_grow_with_the_outline(client, auth, count_queries, enrolled):
    small = course_with_outline(1, 1)
    large = course_with_outline(10, 5)
    if enrolled:
        member = make_user(email="learner@example.org")
        enrol(member, small)
        enrol(member, large)
        auth.login("learner@example.org")
    urls = [f"/courses/{c.slug}" for c in (small, large)]
    urls += [f"/api/v1/courses/{c.id}" for c in (small, large)]
    counts = [statements(client, count_queries, url) for url in urls]
    assert counts[0] == counts[1] <= (MAX_QUERIES + SECTION_QUERIES
                                      + (HEADER_QUERIES if enrolled else 0))
    assert counts[2] == counts[3] <= MAX_QUERIES


def test_course_page_shows_the_whole_outline_with_durations(client, app_ctx):
    course = course_with_outline(10, 5)
    html = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert html.count('class="item-kind"') == 50
    assert "Video 9.4" in html and "(5 minutes)" in html
    assert "15 minutes of recordings" in html  # 1+2+3+4+5 minutes per module
    assert "2 hours 30 minutes" in html  # the whole course
    db.session.rollback()
