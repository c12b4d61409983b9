"""CE credit reads the same wherever a member meets it, from the studio form to the PDFs.

One course, its CE hours typed into the studio form as an instructor would, is
followed through the catalog, the course page, the member's dashboard, the
certificate (page, mail and PDF), the verification page and the transcript
(PDF and CSV). Every place says "CE hours" with no trailing zeros, and every
place that gives a CEU figure says what a CEU is.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from lms.catalog.models import Course
from lms.extensions import db
from lms.units import CEU_EXPLAINED
from tests.factories import api_headers, make_item, make_module, make_user

#: (typed in the studio, CE hours as shown, CEU as shown)
HOURS = [("0.5", "0.5 CE hours", "0.05 CEU"), ("1", "1 CE hour", "0.1 CEU"),
         ("1.25", "1.25 CE hours", "0.125 CEU"), ("2.50", "2.5 CE hours", "0.25 CEU")]
OTHER_WORDINGS = ("contact hour", "Contact hour", "CE Hours", "continuing-education hours")


def studio_course(auth, typed: str) -> Course:
    """An instructor creates the course through the studio form; staff publish it."""
    teacher = make_user(role="instructor", email="teacher@example.org")
    auth.login(teacher.email)
    created = auth.post("/studio/courses/new", {"title": "Weeding Without Worry",
                                                "format": "course", "ce_hours": typed})
    assert created.status_code == 302
    course = db.session.execute(db.select(Course)).scalar_one()
    make_item(make_module(course), title="Why weed")
    course.status, course.certificate_enabled = "published", True
    db.session.commit()
    return course


def assert_one_wording(text: str, shown: str, typed: str) -> None:
    assert shown in text
    assert not any(other in text for other in OTHER_WORDINGS)
    padded = f"{Decimal(typed):.2f}"  # as the database keeps it
    if padded != shown.split()[0]:
        assert padded not in text


@pytest.mark.parametrize(("typed", "shown", "ceu"), HOURS)
def test_studio_catalog_course_page_and_dashboard_say_the_same_hours(
        typed, shown, ceu, auth, client, complete):
    course = studio_course(auth, typed)
    form = client.get(f"/studio/courses/{course.id}").get_data(as_text=True)
    assert f'value="{shown.split()[0]}"' in form
    assert "10 CE hours make 1 CEU" in form
    auth.logout()
    for path in ("/courses", f"/courses/{course.slug}"):
        assert_one_wording(client.get(path).get_data(as_text=True), shown, typed)
    member = make_user(email="member@example.org")
    complete(member, course)
    auth.login(member.email)
    assert_one_wording(client.get("/my-learning").get_data(as_text=True), shown, typed)


@pytest.mark.parametrize(("typed", "shown", "ceu"), HOURS)
def test_certificate_pages_mail_and_pdfs_say_hours_and_what_a_ceu_is(
        typed, shown, ceu, auth, client, complete, mail_server, pypdf_lines, poppler_lines):
    course = studio_course(auth, typed)
    auth.logout()
    member = make_user(email="member@example.org")
    certificate = complete(member, course)
    credit = f"{shown} ({ceu})"

    body = mail_server.to("member@example.org")[0].get_content()
    assert credit in body and CEU_EXPLAINED in body

    assert_one_wording(client.get(f"/verify/{certificate.code}").get_data(as_text=True),
                       credit, typed)
    auth.login(member.email)
    for path in (f"/verify/{certificate.code}", "/my-certificates"):
        page = client.get(path).get_data(as_text=True)
        assert_one_wording(page, credit, typed)
        assert CEU_EXPLAINED in page

    pdf = client.get(f"/certificates/{certificate.code}.pdf").data
    for lines in (pypdf_lines(pdf), poppler_lines(pdf)):
        assert credit in lines and CEU_EXPLAINED in lines
        assert_one_wording("\n".join(lines), credit, typed)

    headers = api_headers(member)
    transcript = client.get("/api/v1/me/transcript.pdf", headers=headers).data
    lines = pypdf_lines(transcript)
    assert f"Total: {credit}" in lines and CEU_EXPLAINED in " ".join(lines)
    assert shown.split()[0] in lines  # the row's hours, as typed without trailing zeros
    assert_one_wording("\n".join(lines), credit, typed)

    rows = list(csv.reader(io.StringIO(
        client.get("/api/v1/me/transcript.csv", headers=headers).get_data(as_text=True))))
    assert rows[1][3] == rows[-1][3] == shown.split()[0]

    listed = client.get("/api/v1/me/certificates", headers=headers).get_json()
    assert listed["items"][0]["ce_hours"] == float(typed)  # JSON keeps numbers


def test_the_api_document_says_what_ce_hours_and_a_ceu_are(client):
    info = client.get("/api/v1/openapi.json").get_json()["info"]
    assert "CE hours" in info["description"] and CEU_EXPLAINED in info["description"]
