"""The evidence pack: the files API.md names, CSVs that parse, built by a job for large
courses (5,000 members within 30 s)."""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from lms.accounts.models import TeachApplication, User
from lms.catalog.models import Enrollment
from lms.extensions import db
from lms.ledger.evidence import COMPLETIONS_HEADER, EVALUATIONS_HEADER, ITEM_HEADER
from tests.factories import (
    PASSWORD,
    api_headers,
    enrol,
    make_course,
    make_item,
    make_module,
    make_user,
)

FILES = {"course.json", "completions.csv", "evaluations.csv", "item-analysis.csv", "README.txt"}


def read_zip(response) -> zipfile.ZipFile:
    try:
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        assert response.mimetype == "application/zip"
        return zipfile.ZipFile(io.BytesIO(response.data))
    finally:
        response.close()


def rows(archive: zipfile.ZipFile, name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"))))


@pytest.fixture
def taught(app_ctx, client, ce_hours):
    """A course with an instructor (and their stated expertise), outcomes, a quiz answered
    by two members, and one completion with a certificate."""
    instructor = make_user(role="instructor", name="Ada Reyes", certificate_name="Ada Reyes")
    db.session.add(TeachApplication(user=instructor, expertise="Metadata and RDA",
                                    proposed_topic="Cataloguing", status="approved"))
    course = make_course(instructors=[instructor], title="=Cataloguing 101",
                         outcomes="- Describe a resource with RDA\n- Choose access points",
                         ce_hours=Decimal("1.5"))
    quiz = make_item(make_module(course), kind="quiz", title="Check", body="")
    question = client.post(f"/api/v1/items/{quiz.id}/questions", headers=api_headers(instructor),
                           json={"kind": "single", "prompt": "Which class holds history?",
                                 "choices": [{"text": "900", "correct": True},
                                             {"text": "800"}]})
    assert question.status_code == 201, question.get_json()
    for pick in ("900", "800"):
        learner = make_user()
        enrol(learner, course)
        headers = api_headers(learner)
        started = client.post(f"/api/v1/items/{quiz.id}/attempts", headers=headers).get_json()
        [asked] = started["questions"]
        choice = next(c["id"] for c in asked["choices"] if c["text"] == pick)
        done = client.post(f"/api/v1/attempts/{started['id']}/submit", headers=headers,
                           json={"answers": {str(asked["id"]): choice}})
        assert done.status_code == 200, done.get_json()
    _evaluated(client, course, instructor)
    db.session.commit()
    return course, instructor


def _evaluated(client, course, instructor) -> None:
    """An evaluation: a rating given by five members, a comment by two (masked)."""
    evaluation = make_item(make_module(course), kind="evaluation", title="Evaluation", body="")
    ids = {}
    for kind, prompt in (("likert", "The course met its outcomes."),
                         ("text", "What would you change?")):
        added = client.post(f"/api/v1/items/{evaluation.id}/evaluation/questions",
                            headers=api_headers(instructor),
                            json={"kind": kind, "prompt": prompt, "required": False})
        assert added.status_code == 201, added.get_json()
        ids[kind] = str(added.get_json()["id"])
    for n, rating in enumerate((5, 4, 4, 3, 5)):
        rater = make_user()
        enrol(rater, course)
        answers = {ids["likert"]: rating} | ({ids["text"]: "More examples"} if n < 2 else {})
        sent = client.post(f"/api/v1/items/{evaluation.id}/evaluation",
                           headers=api_headers(rater), json={"answers": answers})
        assert sent.status_code == 201, sent.get_json()


def test_the_pack_holds_the_named_files_and_its_csvs_parse(client, taught, issue) -> None:
    course, instructor = taught
    learner = make_user(name="@Zoë")
    issue(member=learner, course=course)
    archive = read_zip(client.get(f"/api/v1/courses/{course.id}/evidence-pack.zip",
                                  headers=api_headers(instructor)))
    assert set(archive.namelist()) == FILES
    facts = json.loads(archive.read("course.json"))
    assert facts["outcomes"] == ["Describe a resource with RDA", "Choose access points"]
    assert facts["ce_hours"] == 1.5
    assert facts["credits"] == [{"credit_type": "ce-hours", "name": "CE hours", "unit": "hours",
                                 "amount": 1.5}]
    assert facts["instructors"] == [{"name": "Ada Reyes", "expertise": "Metadata and RDA"}]
    completions = rows(archive, "completions.csv")
    assert completions[0] == COMPLETIONS_HEADER
    [line] = [row for row in completions[1:] if row[0] == str(learner.id)]
    assert line[1] == "'@Zoë" and line[5] and line[6] == "1.5"  # formulas neutralised
    assert rows(archive, "evaluations.csv") == [
        EVALUATIONS_HEADER,
        ["Evaluation: The course met its outcomes.", "5", "4.2", "1:0 2:0 3:1 4:2 5:2"],
        ["Evaluation: What would you change?", "2", "", "masked: fewer than five answers"]]
    items = rows(archive, "item-analysis.csv")
    assert items[0] == ITEM_HEADER
    [question] = items[1:]
    assert question[3] == "Which class holds history?" and question[5] == "2"
    assert float(question[7]) == 0.5  # one of two answered correctly
    readme = archive.read("README.txt").decode()
    assert all(name in readme for name in FILES)


@pytest.mark.parametrize("role", ["member", "instructor"])
def test_only_its_instructors_and_staff_get_the_pack(client, taught, role) -> None:
    course, _ = taught
    response = client.get(f"/api/v1/courses/{course.id}/evidence-pack.zip",
                          headers=api_headers(make_user(role=role)))
    assert response.status_code == 403
    admin = make_user(role="admin")
    assert read_zip(client.get(f"/api/v1/courses/{course.id}/evidence-pack.zip",
                               headers=api_headers(admin))).namelist()


def _many_completions(course, count: int) -> None:
    """``count`` members who completed the course, inserted in bulk."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    db.session.execute(insert(User), [
        {"email": f"bulk{n}@example.org", "name": f"Bulk Member {n}",
         "certificate_name": f"Bulk Member {n}", "password_hash": PASSWORD,
         "is_instructor": False, "is_admin": False, "is_active": True, "session_version": 1,
         "extra_time_percent": 0, "time_zone": "UTC", "created_at": start}
        for n in range(count)])
    ids = db.session.execute(select(User.id).where(User.email.like("bulk%"))).scalars().all()
    db.session.execute(insert(Enrollment), [
        {"user_id": user_id, "course_id": course.id, "enrolled_at": start,
         "completed_at": start + timedelta(minutes=n)} for n, user_id in enumerate(ids)])
    db.session.commit()


def test_a_5000_member_course_gets_its_pack_from_a_job_within_30_seconds(
        client, app_ctx, ce_hours) -> None:
    admin = make_user(role="admin")
    course = make_course(title="Big course")
    _many_completions(course, 5000)
    headers = api_headers(admin)
    url = f"/api/v1/courses/{course.id}/evidence-pack"
    assert client.get(f"{url}.zip", headers=headers).status_code == 409  # never built
    began = time.monotonic()
    started = client.post(url, headers=headers)  # the job runs eagerly after the commit
    assert started.status_code == 202, started.get_json()
    archive = read_zip(client.get(f"{url}.zip", headers=headers))
    elapsed = time.monotonic() - began
    assert elapsed < 30, f"{elapsed:.1f} s"
    completions = rows(archive, "completions.csv")
    assert len(completions) == 5001 and completions[0] == COMPLETIONS_HEADER
    assert started.get_json()["job"]["name"] == "ledger.evidence_pack"
