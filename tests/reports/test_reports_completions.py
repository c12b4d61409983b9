"""The staff completions report: counts and CE hours by month, course, career stage and
organisation type, with groups under five masked in JSON, HTML and CSV alike, and the
total always shown without giving a small group away.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import product

import pytest

from lms.certificates.models import Certificate
from lms.extensions import db
from lms.reports.completions import mask_groups
from tests.factories import api_headers, enrol, make_course, make_user

RANGE = "from=2025-01-01&to=2025-03-31"


def when(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def admin(app_ctx):
    """Fifteen completions in the first quarter of 2025 (and a few that must not count).

    Course A (1.5 h): 9, of which one certificate snapshots 1.25 h and one is revoked;
    B (2 h): 4; C (1 h): 2. Career stage: mid 7, student 2, senior 6. Organisation:
    public 10, academic 5. Month: January 8, February 5, March 2 (one a second before
    April in UTC).
    """
    a = make_course(title="Alpha cataloguing", ce_hours=Decimal("1.5"))
    b = make_course(title="Beta outreach", ce_hours=Decimal("2"))
    c = make_course(title="Gamma archives", ce_hours=Decimal("1"))
    courses = [a] * 9 + [b] * 4 + [c] * 2
    stages = ["mid_career"] * 7 + ["student"] * 2 + ["senior"] * 6
    orgs = ["public"] * 10 + ["academic"] * 5
    dates = [when(1, 3 + k) for k in range(8)] + [when(2, 10 + k) for k in range(5)] + [
        when(3, 15), when(3, 31, 23, 59)]
    for k in range(15):
        member = make_user(name=f"Learner {k}", career_stage=stages[k], org_type=orgs[k])
        enrol(member, courses[k], completed_at=dates[k])
        if k in (0, 1):
            db.session.add(Certificate(
                code=f"TEST-CODE-{k}", user_id=member.id, course_id=a.id,
                completed_on=dates[k].date(), name=member.name, course_title=a.title,
                ce_hours=Decimal("1.25") if k == 0 else Decimal("1.5"),
                revoked_at=None if k == 0 else when(3, 1), revoke_reason=None if k == 0 else "x"))
    enrol(make_user(career_stage="student"), a, completed_at=datetime(2025, 4, 1, tzinfo=UTC))
    enrol(make_user(career_stage="student"), a, completed_at=datetime(2024, 12, 31, 23, 59,
                                                                       tzinfo=UTC))
    enrol(make_user(career_stage="student"), b)  # enrolled, not completed
    db.session.commit()
    return make_user(role="admin", name="Sam Staff")


def report(client, user, group: str, extra: str = RANGE) -> dict:
    response = client.get(f"/api/v1/reports/completions?group={group}&{extra}",
                          headers=api_headers(user))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def by_label(body: dict) -> dict[str, tuple]:
    return {g["label"]: (g["completions"], g["ce_hours"]) for g in body["groups"]}


def test_career_stage_masks_the_small_group_and_one_more(client, admin):
    body = report(client, admin, "career_stage")
    assert by_label(body) == {
        "Mid career": (7, 8.75),
        "Student (LIS or library school)": ("hidden", None),
        # Visible, 6 would give the students away: 15 (the total) - 7 - 6.
        "Senior / manager": ("hidden", None),
    }
    assert body["total"] == {"key": "total", "label": "Total", "completions": 15,
                             "ce_hours": 21.75}
    assert body["min_group_size"] == 5


def test_course_month_and_organisation_groupings(client, admin):
    courses = by_label(report(client, admin, "course"))
    assert courses == {"Alpha cataloguing": (9, 11.75),  # 7 × 1.5 + snapshot 1.25 + revoked 0
                       "Beta outreach": ("hidden", None), "Gamma archives": ("hidden", None)}
    months = report(client, admin, "month")
    assert [(g["key"], g["completions"], g["ce_hours"]) for g in months["groups"]] == [
        ("2025-01", 8, 10.25), ("2025-02", "hidden", None), ("2025-03", "hidden", None)]
    assert months["groups"][0]["label"] == "January 2025"
    assert by_label(report(client, admin, "org_type")) == {
        "Academic library": (5, 8.0), "Public library": (10, 13.75)}


@pytest.fixture
def small_library(app_ctx):
    """Three completions in March 2025: two mid-career public-library workers and one
    student at an academic library, all of one course."""
    course = make_course(title="Delta reference", ce_hours=Decimal("1.5"))
    for stage, org in [("mid_career", "public"), ("mid_career", "public"),
                       ("student", "academic")]:
        enrol(make_user(career_stage=stage, org_type=org), course, completed_at=when(3, 2))
    db.session.commit()
    return make_user(role="admin")


@pytest.mark.parametrize("group", ["career_stage", "org_type"])
def test_a_small_library_sees_its_total_but_no_small_group(client, auth, small_library, group):
    """Fewer than five completions: the total (3 completions, 4.5 hours) is shown in JSON,
    HTML and CSV; both groups are hidden, and the total can't tell them apart."""
    body = report(client, small_library, group, "from=2025-03-01&to=2025-03-31")
    assert body["total"] == {"key": "total", "label": "Total", "completions": 3,
                             "ce_hours": 4.5}
    assert [(g["completions"], g["ce_hours"]) for g in body["groups"]] == [("hidden", None)] * 2
    assert body["breakdown_withheld"] is False

    auth.login(small_library.email)
    html = client.get(f"/reports?group={group}&from=2025-03-01&to=2025-03-31").get_data(
        as_text=True)
    cells = dict(re.findall(r'<tr data-key="(\w*)">.*?data-completions="([^"]*)"', html, re.S))
    assert cells.pop("total") == "3" and set(cells.values()) == {"hidden"}
    assert "4.5" in html and "No completions in this range" not in html
    rows = list(csv.DictReader(io.StringIO(client.get(
        f"/reports/completions.csv?group={group}&from=2025-03-01&to=2025-03-31")
        .get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["completions"], r["ce_hours"]) for r in rows] == [
        ("hidden", ""), ("hidden", ""), ("3", "4.5")]


@pytest.mark.parametrize("group", ["course", "month"])
def test_a_breakdown_that_would_name_its_only_group_is_withheld(client, auth, small_library,
                                                               group):
    """One course, one month: its count is the total, so only the total is shown."""
    body = report(client, small_library, group, "from=2025-03-01&to=2025-03-31")
    assert body["groups"] == [] and body["breakdown_withheld"] is True
    assert body["total"]["completions"] == 3 and body["total"]["ce_hours"] == 4.5
    auth.login(small_library.email)
    html = client.get(f"/reports?group={group}&from=2025-03-01&to=2025-03-31").get_data(
        as_text=True)
    assert 'id="breakdown-withheld"' in html and "only the total is shown" in html
    assert re.search(r'<tr data-key="total">.*?data-completions="3"', html, re.S)
    table = re.search(r'<table class="report-table">.*?</table>', html, re.S).group(0)
    assert "Delta reference" not in table and "<tbody>" not in table


def test_html_and_csv_mask_the_same_groups(client, auth, admin):
    auth.login(admin.email)
    html = client.get(f"/reports?group=career_stage&{RANGE}").get_data(as_text=True)
    cells = dict(re.findall(r'<tr data-key="(\w*)">.*?data-completions="([^"]*)"', html, re.S))
    assert cells == {"mid_career": "7", "student": "hidden", "senior": "hidden", "total": "15"}
    student_row = re.search(r'<tr data-key="student">(.*?)</tr>', html, re.S).group(1)
    assert "hidden" in student_row and "2" not in re.sub(r"<[^>]+>", "", student_row)
    assert "8.75" in html and "21.75" in html

    response = client.get(f"/reports/completions.csv?group=career_stage&{RANGE}")
    assert response.mimetype == "text/csv"
    assert "attachment;" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert {r["key"]: (r["completions"], r["ce_hours"]) for r in rows} == {
        "mid_career": ("7", "8.75"), "student": ("hidden", ""), "senior": ("hidden", ""),
        "total": ("15", "21.75")}
    api_csv = client.get(f"/api/v1/reports/completions?format=csv&group=career_stage&{RANGE}",
                         headers=api_headers(admin))
    assert api_csv.get_data(as_text=True) == response.get_data(as_text=True)


def test_course_groups_link_to_course_reports(client, auth, admin):
    auth.login(admin.email)
    html = client.get(f"/reports?group=course&{RANGE}").get_data(as_text=True)
    assert re.search(r'<a href="/reports/courses/\d+">Alpha cataloguing</a>', html)
    assert "Course reports" in html and "3 courses" in html


@pytest.mark.parametrize(("query", "field"), [
    ("from=2025-13-01", "from"), ("to=yesterday", "to"),
    ("from=2025-03-01&to=2025-02-01", "to"), ("group=postcode", "group")])
def test_bad_ranges_and_groupings_are_refused_clearly(client, auth, admin, query, field):
    response = client.get(f"/api/v1/reports/completions?{query}", headers=api_headers(admin))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    auth.login(admin.email)
    page = client.get(f"/reports?{query}")
    assert page.status_code == 422
    assert f'id="range-{field}-error"' in page.get_data(as_text=True)


def test_default_range_is_the_last_twelve_months(client, admin):
    body = report(client, admin, "month", "")
    start, end = date.fromisoformat(body["from"]), date.fromisoformat(body["to"])
    assert start.day == 1 and (end.year - start.year) * 12 + end.month - start.month == 11


@pytest.mark.parametrize("who", ["member", "instructor"])
def test_only_staff_see_completion_reports(client, auth, app_ctx, who):
    user = make_user(role=who)
    headers = api_headers(user)
    for url in ("/api/v1/reports/completions", "/api/v1/reports/completions?format=csv",
                "/api/v1/reports/completions?from=nonsense"):
        assert client.get(url, headers=headers).status_code == 403, url
    auth.login(user.email)
    for url in ("/reports", "/reports/completions.csv"):
        assert client.get(url).status_code == 403, url
    assert 'href="/reports"' not in client.get("/").get_data(as_text=True)


def test_staff_get_the_reports_link_and_anonymous_callers_must_log_in(client, auth, app_ctx):
    assert client.get("/api/v1/reports/completions").status_code == 401
    assert client.get("/reports").status_code == 302
    staff = make_user(role="admin")
    auth.login(staff.email)
    assert 'href="/reports"' in client.get("/").get_data(as_text=True)


def shown(counts: tuple[int, ...]) -> tuple:
    """What the report shows for groups with these counts: each group's number (or
    "hidden"), the total, or that the breakdown is withheld."""
    groups = mask_groups([(str(k), str(k), count, Decimal(count))
                          for k, count in enumerate(counts)])
    if groups is None:
        return "withheld", len(counts), sum(counts)
    return tuple(g.completions for g in groups), sum(counts)


def test_masking_rules_on_plain_data():
    assert shown((5, 9)) == ((5, 9), 14)
    # One small group: the total would give it away, so the smallest other goes too.
    assert shown((3, 9, 6)) == (("hidden", 9, "hidden"), 18)
    # Two small groups summing to 5: each could be 1 to 4; nothing else needs hiding.
    assert shown((1, 4, 6)) == (("hidden", "hidden", 6), 11)
    # 1 beside a hidden 5 would be 1 (6 - at least 5): the 7 is hidden as well.
    assert shown((1, 5, 7)) == (("hidden", "hidden", "hidden"), 13)
    # A tie: hiding one 50 beside a shown 50 pins the 4 (54 - at most 50).
    assert shown((4, 50, 50)) == (("hidden", "hidden", "hidden"), 104)
    assert shown((2,)) == ("withheld", 1, 2)
    assert shown((1, 1)) == ("withheld", 2, 2)


@pytest.mark.parametrize(("groups", "largest"), [(1, 30), (2, 40), (3, 24), (4, 13)])
def test_no_reader_who_tries_every_count_can_work_out_a_hidden_group(groups, largest):
    """The strongest reader: knows the rules and the total, tries every possible count of
    every group, and keeps those the report would show exactly as it does. Each hidden
    group must keep at least two possible counts (far enough from ``largest`` that the
    search's own limit tells nothing)."""
    alike = defaultdict(list)
    for counts in product(range(1, largest + 1), repeat=groups):
        alike[shown(counts)].append(counts)
    given_away = []
    for report_shown, possible in alike.items():
        if report_shown[0] == "withheld":
            continue
        for k, value in enumerate(report_shown[0]):
            if value == "hidden" and len({counts[k] for counts in possible}) < 2:
                given_away += [c for c in possible if max(c) <= largest - 8]
    assert given_away == []


def test_whole_hours_read_without_trailing_zeros_in_html_and_csv(client, auth, admin):
    auth.login(admin.email)
    html = client.get(f"/reports?group=org_type&{RANGE}").get_data(as_text=True)
    academic = re.search(r'<tr data-key="academic">(.*?)</tr>', html, re.S).group(1)
    assert '<td class="num">8</td>' in academic
    response = client.get(f"/reports/completions.csv?group=org_type&{RANGE}")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert {r["key"]: r["ce_hours"] for r in rows} == {
        "public": "13.75", "academic": "8", "total": "21.75"}
