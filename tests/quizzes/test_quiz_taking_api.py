"""Taking quizzes through the API: grading of every kind on the DB path, keys never leak,
one submission per attempt, attempts private to their member, quiz_passed sent once."""

from __future__ import annotations

import json

import pytest

from lms import signals
from tests.factories import api_headers, enrol, make_user
from tests.quizzes.conftest import QUESTIONS


def by_prompt(started: dict) -> dict[str, dict]:
    return {q["prompt"]: q for q in started["questions"]}


def choice_id(question: dict, text: str) -> int:
    return next(c["id"] for c in question["choices"] if c["text"] == text)


def answers_for(started: dict, picks: dict[str, object]) -> dict[str, object]:
    """Answers keyed by question id from picks keyed by prompt (choice texts → ids)."""
    questions = by_prompt(started)
    answers: dict[str, object] = {}
    for prompt, pick in picks.items():
        question = questions[prompt]
        if question.get("choices"):
            texts = pick if isinstance(pick, list) else [pick]
            answers[str(question["id"])] = [choice_id(question, t) for t in texts]
        else:
            answers[str(question["id"])] = pick
    return answers


PARTLY_RIGHT = {
    "Which class holds history?": "900",                      # 2 of 2
    "Which are open standards?": ["Dublin Core"],             # 1 of 2 (one of two right)
    "RDA replaced AACR2.": "True",                            # 1 of 1
    "What does OPAC stand for?": "  online public ACCESS   catalogXQ ",  # normalised: 1
    "Digits in an ISBN-13?": "14",                            # 13.75 ± 0.25, upper edge: 1
    "Match the standard to its domain.": {"0": "bibliographic records",
                                          "1": "book trade metadata",
                                          "2": "archival finding aids"},  # 1 of 3 pairs
}


def submit(client, attempt_id: int, headers: dict, answers: dict | None = None):
    return client.post(f"/api/v1/attempts/{attempt_id}/submit",
                       json={"answers": answers or {}}, headers=headers)


def test_every_kind_grades_right_with_partial_credit(client, quiz):
    quiz.add(client, *QUESTIONS)
    started = quiz.start(client).get_json()
    response = submit(client, started["id"], quiz.headers, answers_for(started, PARTLY_RIGHT))
    assert response.status_code == 200
    body = response.get_json()
    # 2 + 1 + 1 + 1 + 1 + 1/3 = 6.3333 of 8 points = 79.17%, under the 80% pass mark.
    assert body["score_percent"] == pytest.approx(79.17)
    assert body["passed"] is False
    scores = {r["prompt"]: (r["score"], r["correct"]) for r in body["results"]}
    assert scores == {
        "Which class holds history?": (2.0, True),
        "Which are open standards?": (1.0, False),
        "RDA replaced AACR2.": (1.0, True),
        "What does OPAC stand for?": (1.0, True),
        "Digits in an ISBN-13?": (1.0, True),
        "Match the standard to its domain.": (pytest.approx(1 / 3), False),
    }


@pytest.mark.parametrize(("typed", "right"), [("13.5", True), ("13.49", False), ("14.01", False),
                                              ("13,6", True), ("thirteen", False)])
def test_numeric_tolerance_edges_through_the_api(client, quiz, typed, right):
    quiz.add(client, QUESTIONS[4])
    started = quiz.start(client).get_json()
    body = submit(client, started["id"], quiz.headers,
                  answers_for(started, {"Digits in an ISBN-13?": typed})).get_json()
    assert body["results"][0]["correct"] is right


def test_short_text_pattern_and_all_or_nothing_multiple(client, quiz):
    quiz.settings(client, scoring="all_or_nothing", pass_percent=50)
    quiz.add(client, QUESTIONS[1], QUESTIONS[3])
    started = quiz.start(client).get_json()
    picks = {"Which are open standards?": ["Dublin Core"], "What does OPAC stand for?": "OPAC-ZZ"}
    body = submit(client, started["id"], quiz.headers, answers_for(started, picks)).get_json()
    assert [(r["score"], r["correct"]) for r in body["results"]] == [(0.0, False), (1.0, True)]
    assert body["score_percent"] == pytest.approx(33.33) and body["passed"] is False


def key_material() -> list[str]:
    """Every string that would give an answer away."""
    material = []
    for question in QUESTIONS:
        material.append(question["explanation"])
        material += [c["feedback"] for c in question.get("choices", []) if c.get("feedback")]
        material += question.get("accepted_answers", []) + question.get("accepted_patterns", [])
    material += ["13.75", "0.25", '"correct"', "is_correct", '"weight"', '"explanation"',
                 '"feedback"', '"accepted_answers"', '"accepted_patterns"', '"tolerance"',
                 '"numeric_answers"', "bibliographic records\"]"]
    return material


def test_started_attempt_json_and_html_hold_no_key_material(client, quiz, auth):
    quiz.add(client, *QUESTIONS)
    started = quiz.start(client)
    again = client.get(f"/api/v1/attempts/{started.get_json()['id']}", headers=quiz.headers)
    settings = client.get(f"/api/v1/items/{quiz.item.id}/quiz", headers=quiz.headers)
    item = client.get(f"/api/v1/items/{quiz.item.id}", headers=quiz.headers)
    assert item.status_code == 200
    auth.login(quiz.member.email)
    page = client.get(f"/quiz/attempts/{started.get_json()['id']}")
    intro = client.get(f"/quiz/{quiz.item.id}")
    assert page.status_code == 200 and intro.status_code == 200
    for response in (started, again, settings, item, page, intro):
        text = response.get_data(as_text=True)
        for secret in key_material():
            assert secret not in text, f"{secret!r} leaked in {response.request.path}"
    # Matching pairs: the options are listed, but never next to their left side.
    matching = by_prompt(started.get_json())["Match the standard to its domain."]
    assert matching["options"] == sorted(matching["options"], key=str.casefold)
    assert "right" not in json.dumps(matching["pairs"])


def test_members_never_get_keys_from_the_builder_endpoints(client, quiz):
    added = quiz.add(client, QUESTIONS[0])[0]
    assert added["choices"][0]["correct"] is True  # the editor sees the key
    for path in (f"/api/v1/items/{quiz.item.id}/questions", f"/api/v1/questions/{added['id']}",
                 f"/api/v1/items/{quiz.item.id}/quiz/gift"):
        assert client.get(path, headers=quiz.headers).status_code == 403
    response = client.post(f"/api/v1/items/{quiz.item.id}/questions", json=QUESTIONS[0],
                           headers=quiz.headers)
    assert response.status_code == 403


def test_second_submit_is_409_and_the_first_result_stands(client, quiz):
    quiz.add(client, *QUESTIONS)
    started = quiz.start(client).get_json()
    first = submit(client, started["id"], quiz.headers, answers_for(started, PARTLY_RIGHT))
    all_wrong = answers_for(started, {"Which class holds history?": "800"})
    second = submit(client, started["id"], quiz.headers, all_wrong)
    assert second.status_code == 409
    assert second.mimetype == "application/problem+json"
    stored = client.get(f"/api/v1/attempts/{started['id']}", headers=quiz.headers).get_json()
    assert stored["score_percent"] == first.get_json()["score_percent"]
    saving = client.put(f"/api/v1/attempts/{started['id']}/answers",
                        json={"answers": all_wrong}, headers=quiz.headers)
    assert saving.status_code == 409


def test_another_members_attempt_is_404(client, quiz):
    quiz.add(client, QUESTIONS[0])
    started = quiz.start(client).get_json()
    other = make_user()
    enrol(other, quiz.course)
    headers = api_headers(other)
    path = f"/api/v1/attempts/{started['id']}"
    assert client.get(path, headers=headers).status_code == 404
    assert client.put(path + "/answers", json={"answers": {}}, headers=headers).status_code == 404
    assert client.post(path + "/submit", json={"answers": {}}, headers=headers).status_code == 404
    assert client.get(path, headers=quiz.headers).status_code == 200


def test_not_enrolled_member_cannot_start(client, quiz):
    quiz.add(client, QUESTIONS[0])
    stranger = api_headers(make_user())
    assert quiz.start(client, stranger).status_code == 403


def test_quiz_passed_is_sent_once_on_pass(client, quiz):
    quiz.add(client, QUESTIONS[0])
    passed, failed = [], []
    on_pass = lambda item_id, **kw: passed.append((item_id, kw["score_percent"]))  # noqa: E731
    on_fail = lambda item_id, **kw: failed.append(item_id)  # noqa: E731
    signals.quiz_passed.connect(on_pass)
    signals.quiz_failed.connect(on_fail)
    try:
        started = quiz.start(client).get_json()
        right = answers_for(started, {"Which class holds history?": "900"})
        assert submit(client, started["id"], quiz.headers, right).status_code == 200
        assert submit(client, started["id"], quiz.headers, right).status_code == 409
    finally:
        signals.quiz_passed.disconnect(on_pass)
        signals.quiz_failed.disconnect(on_fail)
    assert passed == [(quiz.item.id, 100.0)]
    assert failed == []


def test_invalid_answers_are_422_and_change_nothing(client, quiz):
    quiz.add(client, QUESTIONS[0])
    started = quiz.start(client).get_json()
    qid = str(started["questions"][0]["id"])
    for answers in ({qid: [999999]}, {"12345": "x"}, {qid: [c["id"] for c in
                                                          started["questions"][0]["choices"]]}):
        response = submit(client, started["id"], quiz.headers, answers)
        assert response.status_code == 422, answers
    stored = client.get(f"/api/v1/attempts/{started['id']}", headers=quiz.headers).get_json()
    assert stored["status"] == "open" and stored["answers"] == {}


def test_save_as_you_go_then_submit_without_body_grades_saved_answers(client, quiz):
    quiz.add(client, QUESTIONS[0])
    started = quiz.start(client).get_json()
    right = answers_for(started, {"Which class holds history?": "900"})
    saved = client.put(f"/api/v1/attempts/{started['id']}/answers", json={"answers": right},
                       headers=quiz.headers)
    assert saved.status_code == 200 and saved.get_json()["saved_at"]
    resumed = quiz.start(client)
    assert resumed.status_code == 200 and resumed.get_json()["answers"] == right
    body = client.post(f"/api/v1/attempts/{started['id']}/submit", headers=quiz.headers)
    assert body.get_json()["passed"] is True


@pytest.mark.parametrize(("policy", "passes", "shown"), [
    ("none", True, False), ("after_each", False, True), ("after_pass", False, False),
    ("after_pass", True, True), ("after_last", False, False)])
def test_results_follow_the_feedback_policy(client, quiz, policy, passes, shown):
    quiz.settings(client, feedback_policy=policy, max_attempts=2)
    quiz.add(client, QUESTIONS[0])
    started = quiz.start(client).get_json()
    pick = answers_for(started, {"Which class holds history?": "900" if passes else "800"})
    body = submit(client, started["id"], quiz.headers, pick).get_json()
    assert ("results" in body) is shown
    assert "EXPL-single" in json.dumps(body) if shown else "EXPL-single" not in json.dumps(body)


def test_after_last_shows_results_once_attempts_run_out(client, quiz):
    quiz.settings(client, feedback_policy="after_last", max_attempts=1)
    quiz.add(client, QUESTIONS[0])
    started = quiz.start(client).get_json()
    body = submit(client, started["id"], quiz.headers, {}).get_json()
    assert body["results"][0]["explanation"] == "EXPL-single"
    assert quiz.start(client).status_code == 409


def test_passing_completes_the_item_through_the_progress_domain(client, quiz):
    quiz.add(client, QUESTIONS[0])
    started = quiz.start(client).get_json()
    submit(client, started["id"], quiz.headers,
           answers_for(started, {"Which class holds history?": "900"}))
    progress = client.get(f"/api/v1/courses/{quiz.course.id}/progress", headers=quiz.headers)
    statuses = {i["id"]: i["status"] for i in progress.get_json()["items"]}
    assert statuses[quiz.item.id] == "completed"
