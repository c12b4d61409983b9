"""Course evaluations: authored questions, one submission per member and edition, the
certificate held back until a required evaluation is in, anonymous masked aggregates."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pytest

from lms.certificates.models import Certificate
from lms.extensions import db
from lms.quizzes.models import EvaluationResponse
from tests.factories import api_headers, enrol, make_course, make_item, make_module, make_user


@dataclass
class Setup:
    course: object
    reading: object
    evaluation: object
    editor: dict
    likert: int
    comment: int


def add_question(client, item_id: int, headers: dict, **question) -> dict:
    response = client.post(f"/api/v1/items/{item_id}/evaluation/questions", json=question,
                           headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def setup(app_ctx, client) -> Setup:
    instructor = make_user(role="instructor", email="teacher@example.org")
    course = make_course(instructors=[instructor], title="Reference interviews")
    module = make_module(course, title="Everything")
    reading = make_item(module, title="Read this")
    evaluation = make_item(module, kind="evaluation", title="Course evaluation", body="")
    editor = api_headers(instructor)
    likert = add_question(client, evaluation.id, editor, kind="likert",
                          prompt="The course met its stated outcomes.")
    comment = add_question(client, evaluation.id, editor, kind="text",
                           prompt="What would you change?", required=False)
    assert likert["required"] is True and comment["required"] is False
    return Setup(course, reading, evaluation, editor, likert["id"], comment["id"])


def member_in(setup: Setup, email: str | None = None):
    member = make_user(**({"email": email} if email else {}))
    enrol(member, setup.course)
    return member


def submit(client, setup: Setup, member, answers: dict):
    return client.post(f"/api/v1/items/{setup.evaluation.id}/evaluation",
                       json={"answers": answers}, headers=api_headers(member))


def certificate_of(member, course) -> Certificate | None:
    db.session.expire_all()
    return db.session.execute(db.select(Certificate).where(
        Certificate.user_id == member.id, Certificate.course_id == course.id)).scalar()


def test_the_certificate_waits_for_the_required_evaluation(client, setup):
    member = member_in(setup)
    done = client.post(f"/api/v1/items/{setup.reading.id}/progress", json={"completed": True},
                       headers=api_headers(member))
    assert done.status_code == 200
    progress = client.get(f"/api/v1/courses/{setup.course.id}/progress",
                          headers=api_headers(member)).get_json()
    assert progress["completed_at"] is None and certificate_of(member, setup.course) is None
    # It cannot be ticked off like a reading: only a submission completes it.
    ticked = client.post(f"/api/v1/items/{setup.evaluation.id}/progress",
                         json={"completed": True}, headers=api_headers(member))
    assert ticked.status_code == 422 and certificate_of(member, setup.course) is None

    response = submit(client, setup, member, {str(setup.likert): 4,
                                              str(setup.comment): "More examples"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["edition"] == 1 and body["answers"] == {str(setup.likert): 4,
                                                        str(setup.comment): "More examples"}
    assert certificate_of(member, setup.course) is not None
    shown = client.get(f"/api/v1/items/{setup.evaluation.id}/evaluation",
                       headers=api_headers(member)).get_json()
    assert shown["submitted"] is True and len(shown["questions"]) == 2


def test_a_second_submission_is_409_and_changes_nothing(client, setup):
    member = member_in(setup)
    assert submit(client, setup, member, {str(setup.likert): 5}).status_code == 201
    again = submit(client, setup, member, {str(setup.likert): 1})
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    assert "already submitted" in again.get_json()["detail"]
    answers = db.session.execute(db.select(EvaluationResponse.answers)).scalars().all()
    assert answers == [{str(setup.likert): 5}]


@pytest.mark.parametrize("answers, field", [
    ({}, "likert"),  # the required rating is missing
    ({"likert": 6}, "likert"),
    ({"likert": "great"}, "likert"),
    ({"likert": True}, "likert"),
    ({"likert": 3, "999999": "x"}, "999999"),
])
def test_bad_answers_are_422_naming_the_question(client, setup, answers, field):
    member = member_in(setup)
    keys = {"likert": str(setup.likert)}
    sent = {keys.get(key, key): value for key, value in answers.items()}
    response = submit(client, setup, member, sent)
    assert response.status_code == 422
    assert f"answers.{keys.get(field, field)}" in response.get_json()["errors"]
    assert db.session.scalar(db.select(db.func.count(EvaluationResponse.id))) == 0


def test_only_editors_write_questions_and_members_must_be_enrolled(client, setup):
    outsider = make_user()
    refused = client.post(f"/api/v1/items/{setup.evaluation.id}/evaluation/questions",
                          json={"kind": "likert", "prompt": "Hmm"},
                          headers=api_headers(outsider))
    assert refused.status_code == 403
    bad_kind = client.post(f"/api/v1/items/{setup.evaluation.id}/evaluation/questions",
                           json={"kind": "single", "prompt": "Hmm"}, headers=setup.editor)
    assert bad_kind.status_code == 422 and "kind" in bad_kind.get_json()["errors"]
    assert submit(client, setup, outsider, {str(setup.likert): 3}).status_code == 403
    not_evaluation = client.post(f"/api/v1/items/{setup.reading.id}/evaluation",
                                 json={"answers": {}}, headers=api_headers(member_in(setup)))
    assert not_evaluation.status_code == 404


def report(client, setup, headers=None):
    response = client.get(f"/api/v1/courses/{setup.course.id}/evaluations",
                          headers=headers or setup.editor)
    assert response.status_code == 200, response.get_json()
    return {row["question_id"]: row for row in response.get_json()["questions"]}


def test_groups_under_five_are_masked_and_comments_carry_no_names(client, setup):
    ratings = [5, 4, 4, 2, 5]
    comments = ["Zebra-striped slides", "ask me anything", "", "More examples", ""]
    for index, (rating, comment) in enumerate(zip(ratings, comments, strict=True)):
        member = member_in(setup, email=f"learner{index}@example.org")
        assert submit(client, setup, member, {str(setup.likert): rating,
                                              str(setup.comment): comment}).status_code == 201
        rows = report(client, setup)
        if index < 4:
            assert rows[setup.likert]["masked"] is True
            assert rows[setup.likert]["mean"] is None
            assert rows[setup.likert]["distribution"] is None
    rows = report(client, setup)
    likert, text = rows[setup.likert], rows[setup.comment]
    assert likert["masked"] is False and likert["count"] == 5 and likert["mean"] == 4.0
    assert likert["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 2, "5": 2}
    # Three comments only: still masked although five members answered the rating.
    assert text["responses"] == 3 and text["masked"] is True and text["comments"] is None

    for index in range(5, 7):
        member = member_in(setup, email=f"learner{index}@example.org")
        submit(client, setup, member, {str(setup.likert): 3, str(setup.comment): f"Note {index}"})
    text = report(client, setup)[setup.comment]
    assert text["masked"] is False
    assert text["comments"] == ["ask me anything", "More examples", "Note 5", "Note 6",
                                "Zebra-striped slides"]
    assert "learner" not in str(report(client, setup))

    admin = make_user(role="admin")
    assert report(client, setup, api_headers(admin))
    assert client.get(f"/api/v1/courses/{setup.course.id}/evaluations",
                      headers=api_headers(make_user())).status_code == 403
    csv_text = client.get(f"/api/v1/courses/{setup.course.id}/evaluations?format=csv",
                          headers=setup.editor).get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(csv_text)))
    assert lines[0][:6] == ["item", "question_id", "kind", "prompt", "responses", "mean"]
    assert "Zebra-striped slides" in csv_text and "learner" not in csv_text


def test_the_studio_pages_author_questions_and_show_results(auth, setup):
    auth.login("teacher@example.org")
    page = auth.client.get(f"/studio/quizzes/{setup.evaluation.id}/evaluation")
    assert page.status_code == 200
    assert "The course met its stated outcomes." in page.get_data(as_text=True)
    added = auth.post(f"/studio/quizzes/{setup.evaluation.id}/evaluation",
                      {"kind": "text", "prompt": "Anything else?", "required": ""})
    assert added.status_code == 302
    results = auth.client.get(f"/studio/quizzes/courses/{setup.course.id}/evaluations")
    assert results.status_code == 200 and "Anything else?" in results.get_data(as_text=True)
    assert "Fewer than 5 answers" in results.get_data(as_text=True)
    download = auth.client.get(f"/studio/quizzes/courses/{setup.course.id}/evaluations.csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"


def test_the_player_form_submits_once(auth, setup):
    member = member_in(setup, email="player@example.org")
    auth.login("player@example.org")
    url = f"/learn/{setup.course.slug}/items/{setup.evaluation.id}"
    html = auth.client.get(url).get_data(as_text=True)
    assert "<fieldset" in html and "<legend>The course met its stated outcomes." in html
    response = auth.post(f"/evaluation/{setup.evaluation.id}",
                         {f"q-{setup.likert}": "4", f"q-{setup.comment}": ""})
    assert response.status_code == 302 and response.location.endswith(url)
    assert "you have submitted this evaluation" in auth.client.get(url).get_data(as_text=True)
    assert db.session.scalar(db.select(EvaluationResponse.answers).where(
        EvaluationResponse.user_id == member.id)) == {str(setup.likert): 4}
