"""Signup codes: staff create batches, export CSV, see who redeemed; concurrent redemption."""

import csv
import io
import re
import threading

import pytest
import requests

from lms.catalog.enrolment import CODE_ALPHABET, create_codes, enrol, normalise_code
from lms.catalog.models import Enrollment, SignupCode
from lms.errors import Forbidden, ValidationError
from lms.extensions import db
from tests.factories import api_headers, make_course, make_user


@pytest.fixture
def admin(app_ctx):
    return make_user(role="admin", email="staff@example.org")


def test_codes_are_random_readable_and_unique(admin):
    course = make_course(access="code")
    codes = [c.code for c in create_codes(admin, course, 200, "Big library")]
    assert len(set(codes)) == 200
    for code in codes:
        assert re.fullmatch(f"[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}",
                            code)
    assert normalise_code(" abcd efgh-jkmn ") == "ABCD-EFGH-JKMN"


@pytest.mark.parametrize("role", ["member", "instructor"])
def test_only_staff_create_codes(app_ctx, role):
    teacher = make_user(role=role)
    course = make_course(access="code", instructors=[teacher])
    with pytest.raises(Forbidden):
        create_codes(teacher, course, 5)


@pytest.mark.parametrize("count", [0, -1, 501])
def test_batch_size_is_limited(admin, count):
    with pytest.raises(ValidationError):
        create_codes(admin, make_course(), count)


def test_codes_page_creates_a_batch_and_shows_who_redeemed(client, auth, admin):
    course = make_course(access="code", title="Copyright basics")
    auth.login("staff@example.org")
    response = auth.post(f"/admin/courses/{course.slug}/codes", {"count": "3", "batch": "Elm PL"})
    assert response.status_code == 302
    codes = db.session.execute(db.select(SignupCode)).scalars().all()
    assert len(codes) == 3 and {c.batch for c in codes} == {"Elm PL"}
    member = make_user(name="Rosa Parks", email="rosa@example.org")
    enrol(member, course, codes[0].code)
    db.session.commit()
    html = client.get(f"/admin/courses/{course.slug}/codes").get_data(as_text=True)
    assert "3 codes, 1 redeemed." in html
    assert "Rosa Parks (rosa@example.org)" in html
    assert all(c.code in html for c in codes)


def test_codes_page_rejects_bad_counts(client, auth, admin):
    course = make_course(access="code")
    auth.login("staff@example.org")
    response = auth.post(f"/admin/courses/{course.slug}/codes", {"count": "9000"})
    assert response.status_code == 422 and "1 to 500 codes." in response.get_data(as_text=True)


@pytest.mark.parametrize("role, expected", [(None, 302), ("member", 403), ("instructor", 403)])
def test_codes_pages_are_for_staff_only(client, auth, app_ctx, role, expected):
    course = make_course(access="code")
    if role:
        auth.login(make_user(role=role).email)
    assert client.get(f"/admin/courses/{course.slug}/codes").status_code == expected
    assert client.get(f"/admin/courses/{course.slug}/codes.csv").status_code == expected
    response = auth.post(f"/admin/courses/{course.slug}/codes", {"count": "2"})
    assert response.status_code == expected
    assert db.session.execute(db.select(db.func.count(SignupCode.id))).scalar_one() == 0


def test_csv_export_neutralises_formula_cells(client, auth, admin):
    course = make_course(access="code")
    codes = create_codes(admin, course, 2, "=HYPERLINK(\"http://evil\")")
    member = make_user(name="@SUM(A1:A9)", email="plus@example.org")
    enrol(member, course, codes[0].code)
    db.session.commit()
    auth.login("staff@example.org")
    response = client.get(f"/admin/courses/{course.slug}/codes.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 2
    for row in rows:
        assert row["batch"] == "'=HYPERLINK(\"http://evil\")"
        for value in row.values():
            assert value[:1] not in ("=", "+", "-", "@")
    redeemed = next(r for r in rows if r["redeemed_by_email"])
    assert redeemed["redeemed_by_name"] == "'@SUM(A1:A9)"


# Concurrency: real simultaneous requests against the live server ------------------------


def post_all(urls_and_headers: list[tuple[str, dict, dict]]) -> list[int]:
    """POST every request at the same moment from its own thread; return the statuses."""
    barrier = threading.Barrier(len(urls_and_headers))
    statuses: list[int] = [0] * len(urls_and_headers)

    def worker(n: int, url: str, headers: dict, body: dict) -> None:
        barrier.wait()
        statuses[n] = requests.post(url, headers=headers, json=body, timeout=30).status_code

    threads = [threading.Thread(target=worker, args=(n, *args))
               for n, args in enumerate(urls_and_headers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_ten_members_redeeming_one_code_at_once_enrol_exactly_one(live_server, admin):
    course = make_course(access="code")
    [code] = create_codes(admin, course, 1)
    members = [make_user() for _ in range(10)]
    headers = [api_headers(m) for m in members]
    url = f"{live_server.url}/api/v1/courses/{course.id}/enrollment"
    statuses = post_all([(url, h, {"code": code.code}) for h in headers])
    assert sorted(statuses) == [201] + [409] * 9
    db.session.expire_all()
    enrolled = db.session.execute(db.select(Enrollment.user_id)
                                  .where(Enrollment.course_id == course.id)).scalars().all()
    assert len(enrolled) == 1
    redeemed = db.session.get(SignupCode, code.id)
    assert redeemed.redeemed_by_id == enrolled[0]


def test_one_member_enrolling_ten_times_at_once_gets_one_enrolment(live_server, admin):
    course = make_course(access="code")
    codes = create_codes(admin, course, 10)
    headers = api_headers(make_user())
    url = f"{live_server.url}/api/v1/courses/{course.id}/enrollment"
    statuses = post_all([(url, headers, {"code": c.code}) for c in codes])
    assert sorted(statuses) == [200] * 9 + [201]
    db.session.expire_all()
    count = db.session.execute(db.select(db.func.count(Enrollment.id))).scalar_one()
    used = db.session.execute(db.select(db.func.count(SignupCode.id))
                              .where(SignupCode.redeemed_at.is_not(None))).scalar_one()
    assert count == 1 and used == 1
