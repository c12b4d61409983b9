"""The course report agrees with each member's own progress, in JSON, HTML and CSV.

A seeded course has twelve members at varied progress (partial videos, readings,
a passed quiz, failed and unsubmitted attempts, a staff-set completion and a
member whose name is a spreadsheet formula). Whatever the entry point, every
row must match ``GET /api/v1/courses/{id}/progress`` for that member.
"""

from __future__ import annotations

import csv
import io
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from lms.extensions import db, utcnow
from lms.progress.credit import VideoReport
from lms.progress.overrides import override_course
from lms.progress.service import (
    complete_quiz_item,
    mark_done,
    open_item,
    record_video,
)
from lms.quizzes.models import Attempt, Quiz
from tests.factories import (
    api_headers,
    enrol,
    make_course,
    make_item,
    make_media,
    make_module,
    make_user,
)

FORMULA_NAME = '=HYPERLINK("http://evil.example/x","Click me")'


@dataclass
class Seeded:
    course: object
    instructor: object
    admin: object
    members: list = field(default_factory=list)
    #: member id → best submitted score (members without one are absent)
    best: dict = field(default_factory=dict)


def attempt(quiz: Quiz, member, number: int, score: str | None, *, submitted: bool = True):
    db.session.add(Attempt(
        quiz_id=quiz.id, user_id=member.id, number=number, snapshot={},
        submitted_at=utcnow() if submitted else None,
        score_percent=Decimal(score) if score is not None else None,
        passed=(Decimal(score) >= 80) if score is not None and submitted else None))


def build_course(instructor, **over):
    """A course with a 10-minute video, a reading, an optional reading and a quiz."""
    course = make_course(instructors=[instructor], certificate_enabled=False, **over)
    basics = make_module(course, title="Basics")
    video = make_item(basics, kind="video", title="Welcome recording",
                      media=make_media(duration_seconds=600.0))
    reading = make_item(basics, title="Policy reading")
    extra = make_item(basics, title="Further reading", is_required=False)
    practice = make_module(course, title="Practice")
    quiz_item = make_item(practice, kind="quiz", title="Check your understanding")
    quiz = Quiz(item_id=quiz_item.id, pass_percent=80)
    db.session.add(quiz)
    db.session.commit()
    return course, video, reading, extra, quiz_item, quiz


def watch(member, video, seconds: float) -> None:
    """Really watched ``seconds`` from the start (the credit clock started that long ago)."""
    start = utcnow() - timedelta(seconds=seconds + 5)
    open_item(member, video.id, now=start)
    record_video(member, video.id, VideoReport(seconds, [(0, seconds)]),
                 now=start + timedelta(seconds=seconds))


@pytest.fixture
def seeded(app_ctx) -> Seeded:
    instructor = make_user(role="instructor", name="Ines Instructor")
    admin = make_user(role="admin", name="Sam Staff")
    course, video, reading, extra, quiz_item, quiz = build_course(
        instructor, title="Cataloguing basics", slug="cataloguing-basics")
    names = ["Zoë Ångström", "adam Brown", "Chen Wei", "Dana O'Neil", "Émile Faure",
             "Farah Haddad", "Gustav Berg", "Hana Sato", FORMULA_NAME, "Ivan Petrov",
             "Jalen Moore", "Kofi Mensah"]
    members = [make_user(name=name) for name in names]
    for k, member in enumerate(members):
        enrol(member, course, enrolled_at=utcnow() - timedelta(days=30 - k))
    s = Seeded(course, instructor, admin, members)
    watch(members[1], video, 120)                     # video partly watched
    watch(members[2], video, 300)
    mark_done(members[2], reading.id)                 # partial video + reading
    mark_done(members[3], reading.id)
    mark_done(members[3], extra.id)                   # optional item must not count
    watch(members[4], video, 560)                     # video complete, reading not
    mark_done(members[4], reading.id)                 # all but the quiz
    attempt(quiz, members[4], 1, "40.00")
    s.best[members[4].id] = Decimal("40.00")
    watch(members[5], video, 560)
    mark_done(members[5], reading.id)
    attempt(quiz, members[5], 1, "60.00")
    attempt(quiz, members[5], 2, "92.50")
    complete_quiz_item(members[5], quiz_item.id, 92.5, now=utcnow())  # completes the course
    s.best[members[5].id] = Decimal("92.50")
    override_course(admin, members[6].id, course.id, "Attended the live session in person.")
    mark_done(members[8], reading.id)                 # the formula-named member
    attempt(quiz, members[9], 1, "99.00", submitted=False)  # unsubmitted: never counts
    attempt(quiz, members[10], 1, "75.50")
    attempt(quiz, members[10], 2, "50.00")
    s.best[members[10].id] = Decimal("75.50")
    db.session.commit()
    return s


def own_progress(client, member, course) -> dict:
    response = client.get(f"/api/v1/courses/{course.id}/progress", headers=api_headers(member))
    assert response.status_code == 200
    return response.get_json()


def api_rows(client, course, user) -> dict[int, dict]:
    response = client.get(f"/api/v1/courses/{course.id}/report?per_page=100",
                          headers=api_headers(user))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["total"] == len(body["items"])
    return {row["member_id"]: row for row in body["items"]}


def html_rows(client, course) -> dict[int, dict]:
    html = client.get(f"/reports/courses/{course.id}").get_data(as_text=True)
    rows = {}
    for match in re.finditer(r'<tr data-member-id="(\d+)">(.*?)</tr>', html, re.S):
        cells = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', match.group(2)))
        rows[int(match.group(1))] = {"percent": int(cells["percent"]),
                                     "completed_at": cells["completed-at"] or None,
                                     "best_score": cells["best-score"] or None,
                                     "html": match.group(2)}
    return rows


def csv_rows(body: str) -> dict[int, dict]:
    assert body.startswith("\ufeff")
    return {int(row["member_id"]): row for row in csv.DictReader(io.StringIO(body[1:]))}


def same_instant(text: str | None, expected: str | None) -> bool:
    if text is None or expected is None:
        return text == expected
    return datetime.fromisoformat(text) == datetime.fromisoformat(expected)


def test_json_html_and_csv_agree_with_each_members_own_progress(client, auth, seeded):
    s = seeded
    progress = {m.id: own_progress(client, m, s.course) for m in s.members}
    percents = sorted(p["percent"] for p in progress.values())
    assert len(set(percents)) >= 5, percents  # the seed really spreads progress out
    assert sum(p["completed_at"] is not None for p in progress.values()) == 2

    from_api = api_rows(client, s.course, s.instructor)
    auth.login(s.instructor.email)
    from_html = html_rows(client, s.course)
    response = client.get(f"/api/v1/courses/{s.course.id}/report?format=csv",
                          headers=api_headers(s.instructor))
    from_csv = csv_rows(response.get_data(as_text=True))
    member_ids = {m.id for m in s.members}
    assert set(from_api) == set(from_html) == set(from_csv) == member_ids

    for member in s.members:
        own = progress[member.id]
        best = s.best.get(member.id)
        api, page, row = from_api[member.id], from_html[member.id], from_csv[member.id]
        assert api["percent"] == page["percent"] == int(row["percent"]) == own["percent"]
        assert api["completed_at"] == own["completed_at"]
        assert same_instant(page["completed_at"], own["completed_at"])
        assert same_instant(row["completed_at"] or None, own["completed_at"])
        assert api["best_score"] == (float(best) if best is not None else None)
        assert page["best_score"] == (str(best) if best is not None else None)
        assert row["best_score"] == (str(best) if best is not None else "")
        assert api["name"] == member.name


def test_staff_set_completion_shows_who_set_it(client, auth, seeded):
    s = seeded
    overridden, natural = s.members[6], s.members[5]
    rows = api_rows(client, s.course, s.admin)
    assert rows[overridden.id]["completed_by"] == "Sam Staff"
    assert rows[overridden.id]["percent"] == 100
    assert rows[natural.id]["completed_by"] is None
    auth.login(s.admin.email)
    assert "set by Sam Staff" in html_rows(client, s.course)[overridden.id]["html"]
    body = client.get(f"/reports/courses/{s.course.id}.csv").get_data(as_text=True)
    assert csv_rows(body)[overridden.id]["completed_by"] == "Sam Staff"


def test_csv_neutralises_a_formula_in_a_member_name(client, auth, seeded):
    s = seeded
    auth.login(s.instructor.email)
    response = client.get(f"/reports/courses/{s.course.id}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "cataloguing-basics-report.csv" in response.headers["Content-Disposition"]
    rows = csv_rows(response.get_data(as_text=True))
    assert rows[s.members[8].id]["name"] == "'" + FORMULA_NAME
    cells = [cell for row in rows.values() for cell in row.values()]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "@", "\t", "\r")]
    # The page and the JSON show the name as it is (escaped HTML; JSON is data).
    assert api_rows(client, s.course, s.admin)[s.members[8].id]["name"] == FORMULA_NAME


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"])
def test_every_formula_start_is_neutralised(text):
    from lms.reports.csvutil import csv_lines, safe_cell

    assert safe_cell(text) == "'" + text
    assert safe_cell("Plain name") == "Plain name"
    assert safe_cell(-3) == -3  # numbers we produce stay numbers
    line = list(csv_lines(["name"], [[text]], bom=False))[1]
    assert next(csv.reader(io.StringIO(line)))[0] == "'" + text


def test_rows_sort_on_the_server_with_missing_values_last(client, auth, seeded):
    s = seeded
    headers = api_headers(s.instructor)
    url = f"/api/v1/courses/{s.course.id}/report?per_page=100"
    names = [r["name"] for r in client.get(url, headers=headers).get_json()["items"]]
    assert names == sorted(names, key=str.casefold)
    scores = [r["best_score"] for r in client.get(
        url + "&sort=best_score&dir=desc", headers=headers).get_json()["items"]]
    assert scores[:3] == [92.5, 75.5, 40.0] and scores[3:] == [None] * 9
    percents = [r["percent"] for r in client.get(
        url + "&sort=percent", headers=headers).get_json()["items"]]
    assert percents == sorted(percents)
    assert client.get(url + "&sort=email", headers=headers).status_code == 422

    auth.login(s.instructor.email)
    html = client.get(f"/reports/courses/{s.course.id}?sort=percent&dir=desc").get_data(
        as_text=True)
    assert re.search(r'<th scope="col" aria-sort="descending" class="num">\s*<a href="[^"]*'
                     r'sort=percent&amp;dir=asc', html)
    assert html.count("aria-sort=") == 1
    shown = [int(p) for p in re.findall(r'data-percent="(\d+)"', html)]
    assert shown == sorted(shown, reverse=True)


@pytest.mark.parametrize("in_order", [False, True], ids=["summed", "locked"])
def test_pages_of_five_agree_with_one_page_of_everyone(client, seeded, in_order):
    """A page sorted by name or date works out only its own members' progress; put
    together, the pages are exactly the one-page report, in every sort and direction."""
    s = seeded
    s.course.in_order = in_order  # locks change which items count: the other computation
    db.session.commit()
    headers = api_headers(s.instructor)
    base = f"/api/v1/courses/{s.course.id}/report"
    for sort in ("name", "enrolled_at", "percent", "completed_at", "best_score"):
        for direction in ("asc", "desc"):
            query = f"sort={sort}&dir={direction}"
            whole = client.get(f"{base}?{query}&per_page=100", headers=headers).get_json()
            pages = [client.get(f"{base}?{query}&per_page=5&page={n}",
                                headers=headers).get_json() for n in (1, 2, 3)]
            assert [p["total"] for p in pages] == [12, 12, 12]
            assert [len(p["items"]) for p in pages] == [5, 5, 2]
            assert [row for p in pages for row in p["items"]] == whole["items"], query
    after_end = client.get(f"{base}?per_page=5&page=4", headers=headers).get_json()
    assert after_end["items"] == [] and after_end["total"] == 12


def test_html_table_pages_through_members(client, auth, app_ctx):
    from lms.reports import views

    instructor = make_user(role="instructor")
    course = make_course(instructors=[instructor], modules=1, items_per_module=1)
    for k in range(views.PER_PAGE + 3):
        enrol(make_user(name=f"Learner {k:03d}"), course)
    auth.login(instructor.email)
    first = client.get(f"/reports/courses/{course.id}").get_data(as_text=True)
    second = client.get(f"/reports/courses/{course.id}?page=2").get_data(as_text=True)
    assert first.count("data-member-id=") == views.PER_PAGE
    assert second.count("data-member-id=") == 3
    assert "Page 2 of 2" in second and 'rel="prev"' in second
    assert "Learner 000" in first and "Learner 052" in second
    past_end = client.get(f"/reports/courses/{course.id}?page=9").get_data(as_text=True)
    assert "Page 2 of 2" in past_end and "Learner 052" in past_end
    assert f"{views.PER_PAGE + 3} members enrolled" in first
    csv_body = client.get(f"/reports/courses/{course.id}.csv").get_data(as_text=True)
    assert len(csv_rows(csv_body)) == views.PER_PAGE + 3  # the CSV has everyone


# --- permissions -----------------------------------------------------------------------


@pytest.fixture
def courses(app_ctx):
    teacher, other_teacher = make_user(role="instructor"), make_user(role="instructor")
    published = make_course(instructors=[teacher], modules=1, items_per_module=1)
    draft = make_course(instructors=[teacher], status="draft", modules=1, items_per_module=1)
    make_course(instructors=[other_teacher])
    member = make_user()
    enrol(member, published)
    return {"published": published, "draft": draft,
            "users": {"member": member, "other_instructor": other_teacher,
                      "instructor": teacher, "admin": make_user(role="admin")}}


@pytest.mark.parametrize(("who", "which", "status"), [
    ("member", "published", 403),
    ("other_instructor", "published", 403),
    ("other_instructor", "draft", 404),
    ("instructor", "published", 200),
    ("instructor", "draft", 200),
    ("admin", "published", 200),
    ("admin", "draft", 200),
])
def test_only_the_courses_instructors_and_staff_see_its_report(client, auth, courses, who,
                                                               which, status):
    user, course = courses["users"][who], courses[which]
    headers = api_headers(user)
    for url in (f"/api/v1/courses/{course.id}/report",
                f"/api/v1/courses/{course.id}/report?format=csv"):
        response = client.get(url, headers=headers)
        assert response.status_code == status, url
        if status >= 400:
            assert response.mimetype == "application/problem+json"
    auth.login(user.email)
    for url in (f"/reports/courses/{course.id}", f"/reports/courses/{course.id}.csv"):
        assert client.get(url).status_code == status, url


def test_anonymous_callers_are_asked_to_log_in(client, courses):
    course = courses["published"]
    assert client.get(f"/api/v1/courses/{course.id}/report").status_code == 401
    response = client.get(f"/reports/courses/{course.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/api/v1/courses/999999/report",
                      headers=api_headers(courses["users"]["admin"])).status_code == 404


# --- queries -----------------------------------------------------------------------------


@contextmanager
def counting_statements():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def add_members(ids: dict, count: int, start: int) -> None:
    """Members with a spread of progress and attempts (objects fetched afresh: see below)."""
    from lms.catalog.models import Course, Item

    course, video = db.session.get(Course, ids["course"]), db.session.get(Item, ids["video"])
    quiz = db.session.get(Quiz, ids["quiz"])
    for k in range(start, start + count):
        member = make_user(name=f"Learner {k}")
        enrol(member, course)
        if k % 3 == 0:
            mark_done(member, ids["reading"])
        if k % 4 == 0:
            watch(member, video, 60)
        if k % 2 == 0:
            attempt(quiz, member, 1, f"{k % 100}.00")
        db.session.commit()


def statements_for(client, url: str, **kwargs) -> int:
    """Statements one request sends, from an empty session as a real request starts."""
    db.session.expunge_all()
    with counting_statements() as statements:
        response = client.get(url, **kwargs)
    assert response.status_code == 200
    return len(statements)


def test_report_queries_do_not_grow_with_members(client, auth, app_ctx):
    instructor = make_user(role="instructor")
    course, video, reading, _, _, quiz = build_course(instructor)
    ids = {"course": course.id, "video": video.id, "reading": reading.id, "quiz": quiz.id}
    headers, email = api_headers(instructor), instructor.email
    urls = [f"/api/v1/courses/{course.id}/report?per_page=100",
            f"/api/v1/courses/{course.id}/report?format=csv",
            f"/reports/courses/{course.id}", f"/reports/courses/{course.id}.csv"]

    def measure() -> list[int]:
        counts = [statements_for(client, url, headers=headers) for url in urls[:2]]
        auth.login(email)
        return counts + [statements_for(client, url) for url in urls[2:]]

    add_members(ids, 10, 0)
    small = measure()
    add_members(ids, 50, 10)
    large = measure()
    assert small == large
    assert max(large) <= 14
