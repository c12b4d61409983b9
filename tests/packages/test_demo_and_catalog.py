"""``flask lms demo`` imports the sample packages; an imported course opens in the catalog."""

from __future__ import annotations

import re

from sqlalchemy import select

from lms import ROOT
from lms.accounts.models import User
from lms.catalog.models import Course
from lms.catalog.topics import seed_default_topics
from lms.extensions import db
from lms.packages import service
from tests.factories import csrf_from, make_user

SAMPLE_SLUGS = sorted(path.name for path in (ROOT / "courses").iterdir() if path.is_dir())


def run_demo(app):
    result = app.test_cli_runner().invoke(args=["lms", "demo"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    return result.output


def check_demo_data(app, output: str) -> None:
    assert "course: Plain-Language Reference Interviews" in output
    assert "course: Weeding Without Worry: Evidence-Based Collection Review" in output
    with app.app_context():
        emails = set(db.session.execute(select(User.email)).scalars())
        assert {"admin@example.org", "instructor@example.org", "member@example.org"} <= emails
        courses = db.session.execute(select(Course).order_by(Course.slug)).scalars().all()
        assert [c.slug for c in courses] == SAMPLE_SLUGS
        assert all(c.status == "published" for c in courses)
        assert all(c.instructors[0].email == "instructor@example.org" for c in courses)
        assert all(c.topics for c in courses)


def fresh_app(make_app, tmp_path):
    return make_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'demo.db'}",
                    MEDIA_DIR=str(tmp_path / "media"))


def test_demo_on_a_fresh_sqlite_file_creates_accounts_and_published_courses(make_app, tmp_path):
    app = fresh_app(make_app, tmp_path)
    check_demo_data(app, run_demo(app))


def printed_logins(output: str) -> list[tuple[str, str]]:
    """The ``email`` and ``password`` of each account line the demo prints."""
    found = re.findall(r"^\s+\w+\s+(\S+@\S+)\s+password: (\S+)$", output, re.M)
    assert len(found) == 3, output
    return found


def test_demo_runs_twice_and_its_printed_logins_work(make_app, tmp_path):
    app = fresh_app(make_app, tmp_path)
    run_demo(app)
    output = run_demo(app)
    check_demo_data(app, output)
    for email, password in printed_logins(output):
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        response = client.post("/login", data={"email": email, "password": password,
                                               "csrf_token": csrf_from(page)})
        assert response.status_code == 302, email
        assert client.get("/my-learning").status_code == 200


def test_an_imported_course_opens_in_the_catalog(app_ctx, client):
    seed_default_topics()
    course = service.import_course_folder(make_user(role="instructor"),
                                          ROOT / "courses" / "weeding-without-worry")
    db.session.commit()

    listing = client.get("/courses?q=weeding").get_data(as_text=True)
    assert f"/courses/{course.slug}" in listing

    page = client.get(f"/courses/{course.slug}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Weeding Without Worry" in html
    assert "Dana Whitfield" in html and "Luis Ortega" in html
    assert "Watch the recording" in html

    by_presenter = client.get("/courses?q=Ortega").get_data(as_text=True)
    assert f"/courses/{course.slug}" in by_presenter
