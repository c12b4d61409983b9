"""Search and filters: one service function over SQLite FTS5 or PostgreSQL text search.

Run on both engines: plain ``pytest`` uses SQLite; with ``LMS_TEST_DATABASE_URL``
pointing at PostgreSQL the same tests run there.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from lms.catalog.models import Course, CourseAudience, Topic
from lms.catalog.search import apply_search, parse, to_fts5, to_websearch
from lms.catalog.service import search_courses
from lms.errors import ValidationError
from lms.extensions import db
from tests.factories import make_course, make_user


def titles(**filters) -> list[str]:
    courses, total = search_courses(**filters)
    assert total == len(courses)
    return [c.title for c in courses]


@pytest.fixture
def library(app_ctx):
    """A few courses with distinct words, presenters, topics, formats, audiences and hours."""
    tech = Topic(slug="technology", name="Technology")
    lead = Topic(slug="leadership", name="Leadership")
    db.session.add_all([tech, lead])
    day = datetime(2025, 1, 1, tzinfo=UTC)
    make_course(title="Linked data for catalogers", summary="From MARC to BIBFRAME",
                description="We model **authority records** as graphs.", ce_hours=Decimal("3"),
                presenters="Ada Okafor", topics=[tech], published_at=day,
                audience=[CourseAudience(career_stage="mid_career")])
    make_course(title="Leading small teams", summary="Management basics",
                description="Delegation and feedback for new supervisors.",
                ce_hours=Decimal("1.5"), presenters="Beatriz Santos\nChen Wei", topics=[lead],
                format="webinar", recorded_on=date(2024, 5, 2), published_at=day + timedelta(1),
                audience=[CourseAudience(career_stage="early_career"),
                          CourseAudience(career_stage="senior")])
    make_course(title="Storytime on a budget", summary="Outreach for children",
                description="Puppets, songs and rhymes.", ce_hours=Decimal("0.5"),
                published_at=day + timedelta(2))
    make_course(title="Secret draft about puppets", description="Puppets everywhere.",
                status="draft")
    make_course(title="Archived puppets course", description="Puppets of old.",
                status="archived")


def test_finds_a_course_by_a_word_in_its_description(library):
    assert titles(q="authority") == ["Linked data for catalogers"]
    assert titles(q="graphs") == ["Linked data for catalogers"]


def test_finds_a_course_by_a_presenters_name(library):
    assert titles(q="Okafor") == ["Linked data for catalogers"]
    assert titles(q="beatriz santos") == ["Leading small teams"]
    assert titles(q="wei") == ["Leading small teams"]


def test_search_stems_words_and_ignores_case(library):
    assert titles(q="PUPPET") == ["Storytime on a budget"]
    assert titles(q="supervisor") == ["Leading small teams"]


def test_only_published_courses_are_found(library):
    assert "Secret draft about puppets" not in titles(q="puppets")
    assert "Archived puppets course" not in titles()


def test_phrases_or_and_exclusions(library):
    assert titles(q='"authority records"') == ["Linked data for catalogers"]
    assert titles(q='"records authority"') == []
    assert sorted(titles(q="puppets or delegation")) == ["Leading small teams",
                                                         "Storytime on a budget"]
    assert titles(q="puppets -rhymes") == []
    assert titles(q="feedback delegation") == ["Leading small teams"]
    assert titles(q="feedback puppets") == []


def test_title_matches_rank_above_description_matches(library):
    make_course(title="Graphs for everyone", description="Nothing else.")
    assert titles(q="graphs")[0] == "Graphs for everyone"


@pytest.mark.parametrize("filters, expected", [
    ({"topic": "technology"}, ["Linked data for catalogers"]),
    ({"topic": "leadership"}, ["Leading small teams"]),
    ({"topic": "no-such-topic"}, []),
    ({"format": "webinar"}, ["Leading small teams"]),
    ({"format": "course"}, ["Storytime on a budget", "Linked data for catalogers"]),
    ({"career_stage": "senior"}, ["Leading small teams"]),
    ({"career_stage": "mid_career"}, ["Linked data for catalogers"]),
    ({"career_stage": "student"}, []),
    ({"ce_min": Decimal("1")}, ["Leading small teams", "Linked data for catalogers"]),
    ({"ce_max": Decimal("1.5")}, ["Storytime on a budget", "Leading small teams"]),
    ({"ce_min": Decimal("1.5"), "ce_max": Decimal("1.5")}, ["Leading small teams"]),
    ({"ce_min": Decimal("2"), "ce_max": Decimal("3")}, ["Linked data for catalogers"]),
    ({"q": "puppets", "format": "webinar"}, []),
    ({"q": "feedback", "topic": "leadership", "career_stage": "senior"}, ["Leading small teams"]),
    ({"q": "feedback", "topic": "technology"}, []),
])
def test_filters_narrow_the_results(library, filters, expected):
    assert titles(**filters) == expected


@pytest.mark.parametrize("sort, expected", [
    (None, ["Storytime on a budget", "Leading small teams", "Linked data for catalogers"]),
    ("newest", ["Storytime on a budget", "Leading small teams", "Linked data for catalogers"]),
    ("title", ["Leading small teams", "Linked data for catalogers", "Storytime on a budget"]),
    ("ce_hours", ["Storytime on a budget", "Leading small teams", "Linked data for catalogers"]),
    ("ce_hours_desc", ["Linked data for catalogers", "Leading small teams",
                       "Storytime on a budget"]),
])
def test_sorting(library, sort, expected):
    assert titles(sort=sort) == expected


def test_pages_and_total(app_ctx):
    for n in range(25):
        make_course(title=f"Course {n:02d}")
    first, total = search_courses(sort="title", page=1, per_page=10)
    third, _ = search_courses(sort="title", page=3, per_page=10)
    beyond, total_beyond = search_courses(sort="title", page=4, per_page=10)
    assert total == total_beyond == 25
    assert [c.title for c in first] == [f"Course {n:02d}" for n in range(10)]
    assert [c.title for c in third] == [f"Course {n:02d}" for n in range(20, 25)]
    assert beyond == []


@pytest.mark.parametrize("bad", [
    {"format": "podcast"}, {"career_stage": "wizard"}, {"sort": "random"},
    {"ce_min": Decimal("-1")}, {"ce_min": Decimal("3"), "ce_max": Decimal("1")},
    {"per_page": 101}, {"page": 0},
])
def test_bad_arguments_raise_validation_errors(app_ctx, bad):
    with pytest.raises(ValidationError) as caught:
        search_courses(**bad)
    assert caught.value.errors


def test_summaries_carry_topics_and_instructors(library):
    teacher = make_user(name="Dana Ruiz")
    make_course(title="Weeding", instructors=[teacher],
                topics=[db.session.get(Topic, 1)])
    [summary], _ = search_courses(q="weeding")
    assert [t.slug for t in summary.topics] == ["technology"]
    assert [p.name for p in summary.instructors] == ["Dana Ruiz"]


NASTY = ['"', '""', "'", "(", ")", "*", "a*", "NEAR(a b)", "title:foo", "AND", "OR", "NOT",
         "a AND", "-", "--", "^", "foo\"bar", "\\", "%", "_", "a OR OR b", "\x00", "😀",
         "-\"\"", "\"unclosed phrase", "col:val OR", "{a b}", "a + b", ":*", "!", "&|"]


@pytest.mark.parametrize("q", NASTY)
def test_operators_and_quotes_never_break_the_query(library, q):
    search_courses(q=q)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=60))
def test_any_text_is_a_valid_query(library, q):
    search_courses(q=q)


def test_parser_keeps_only_words():
    parsed = parse('"Linked data" or NEAR(x) -draft* title:foo')
    assert to_fts5(parsed) == '("Linked data" OR "NEAR x") AND ("title foo") NOT "draft"'
    assert to_websearch(parsed) == '"Linked data" or "NEAR x" "title foo" -draft'
    assert not parse('-only "" ()')


def test_catalog_api_lists_published_summaries(client, library):
    body = client.get("/api/v1/courses", query_string={"q": "okafor"}).get_json()
    assert body["total"] == 1 and body["page"] == 1 and body["per_page"] == 20
    [course] = body["items"]
    assert set(course) >= {"id", "slug", "title", "summary", "format", "ce_hours", "topics",
                           "instructors"}
    assert course["ce_hours"] == 3 and isinstance(course["ce_hours"], (int, float))
    assert course["topics"] == ["technology"]


def test_catalog_api_filters_and_pages(client, library):
    body = client.get("/api/v1/courses?ce_min=1&ce_max=2&format=webinar").get_json()
    assert [c["title"] for c in body["items"]] == ["Leading small teams"]
    body = client.get("/api/v1/courses?per_page=1&page=2&sort=title").get_json()
    assert body["total"] == 3 and [c["title"] for c in body["items"]] == [
        "Linked data for catalogers"]


@pytest.mark.parametrize("query, field", [
    ("format=podcast", "format"), ("ce_min=abc", "ce_min"), ("ce_max=NaN", "ce_max"),
    ("sort=x", "sort"), ("career_stage=x", "career_stage"),
])
def test_catalog_api_rejects_bad_filters_as_problems(client, app_ctx, query, field):
    response = client.get(f"/api/v1/courses?{query}")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]


def test_catalog_api_rejects_bad_paging(client, app_ctx):
    assert client.get("/api/v1/courses?per_page=500").status_code == 400


def test_the_index_follows_edits_and_deletions(app_ctx):
    course = make_course(title="Makerspaces", description="Soldering and sewing.")
    assert titles(q="soldering") == ["Makerspaces"]
    course.description = "Laser cutting."
    db.session.commit()
    assert titles(q="soldering") == [] and titles(q="laser") == ["Makerspaces"]
    course.status = "draft"
    db.session.commit()
    assert titles(q="laser") == []
    db.session.delete(course)
    db.session.commit()
    make_course(title="Another", description="Laser safety.")
    assert titles(q="laser") == ["Another"]


def test_postgresql_search_uses_the_gin_index(app_ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only; SQLite searches its FTS5 table")
    make_course(title="Linked data", description="Authority records.")
    stmt, _ = apply_search(select(Course.id), "authority", "postgresql")
    sql = stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(conn.execute(text(f"EXPLAIN {sql}")).scalars())
    assert "ix_course_search" in plan
