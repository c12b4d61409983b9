"""Importing GIFT written by another LMS, as editors and members meet it: every question
that cannot be imported is named with its line, nothing is imported unless the editor
chooses to skip those, and format tags never reach learners."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import csrf_from

MOODLE = Path(__file__).parent / "data" / "moodle"
#: Moodle's own importer test file: three questions this site cannot mark.
FIXTURE = (MOODLE / "questions.gift.txt").read_text(encoding="utf-8")
PROBLEMS = [
    "Line 2, question 1 “Q8”: empty answer block '{}': an essay, which needs a person to "
    "mark it (quizzes here are marked automatically)",
    "Line 31, question 5 “Q5”: '~#Completely wrong' is Moodle's feedback for any other "
    "(wrong) number; this site keeps feedback only for accepted numbers: remove it, or say "
    "it in the general feedback (####)",
    "Line 34, question 6 “Shortanswer”: per-answer feedback on short answers ('Frog#Good!') "
    "is not supported: move it to the general feedback (####)",
]


def gift_post(client, quiz, **body):
    return client.post(f"/api/v1/items/{quiz.item.id}/quiz/gift", json=body,
                       headers=quiz.editor)


def question_count(client, quiz) -> int:
    return client.get(f"/api/v1/items/{quiz.item.id}/questions",
                      headers=quiz.editor).get_json()["total"]


@pytest.mark.parametrize("preview", [False, True])
def test_api_names_every_bad_question_and_imports_nothing(client, quiz, preview):
    response = gift_post(client, quiz, gift=FIXTURE, preview=preview)
    assert response.status_code == 422
    body = response.get_json()
    assert body["errors"]["gift"] == PROBLEMS
    assert body["detail"].startswith("3 questions of this GIFT text cannot be imported, so "
                                     "nothing was imported.")
    assert question_count(client, quiz) == 0


def test_api_skips_bad_questions_only_when_asked(client, quiz):
    preview = gift_post(client, quiz, gift=FIXTURE, preview=True, skip_invalid=True)
    assert preview.status_code == 200
    assert preview.get_json()["total"] == 6
    assert [p["number"] for p in preview.get_json()["problems"]] == [1, 5, 6]
    assert question_count(client, quiz) == 0

    imported = gift_post(client, quiz, gift=FIXTURE, skip_invalid=True)
    assert imported.status_code == 201
    body = imported.get_json()
    assert [q["title"] for q in body["items"]] == [
        "Moodle activities", "Q2", "colours", "Q1", "2-08 TSL", "2-08 TSL"]
    assert [(s["number"], s["line"], s["title"]) for s in body["skipped"]] == [
        (1, 2, "Q8"), (5, 31, "Q5"), (6, 34, "Shortanswer")]
    assert question_count(client, quiz) == 6


def test_nothing_importable_is_refused_even_when_skipping(client, quiz):
    response = gift_post(client, quiz, gift="::E:: An essay {}\n\nA description.\n",
                         skip_invalid=True)
    assert response.status_code == 422
    assert response.get_json()["detail"] == (
        "None of the questions of this GIFT text can be imported.")
    assert len(response.get_json()["errors"]["gift"]) == 2


def test_format_tags_on_answers_never_reach_learners(client, quiz):
    gift_post(client, quiz, gift=FIXTURE, skip_invalid=True)
    quiz.settings(client, feedback_policy="after_each")
    started = quiz.start(client).get_json()
    shown = {q["prompt"]: q for q in started["questions"]}
    single = shown["What's between orange and green in the spectrum?"]
    assert [c["text"] for c in single["choices"]] in (
        ["yellow", "red", "blue"], ["yellow", "red", "off-beige", "blue"])
    matching = shown["Match the <b>activity</b> to the description."]
    assert [p["left"] for p in matching["pairs"]] == [
        "An activity supporting asynchronous discussions.",
        "A teacher asks a question and specifies a choice of multiple responses.",
        "A bank of record entries which participants can add to.",
        "A collection of web pages that anyone can add to or edit."]
    every_text = str(started)
    assert not any(tag in every_text for tag in ("[html]", "[plain]", "[moodle]", "[markdown]"))

    answers = {}
    for question in started["questions"]:
        blue = [c["id"] for c in question.get("choices", []) if c["text"] == "blue"]
        if blue:
            answers[str(question["id"])] = blue[0] if question["kind"] == "single" else blue
    result = client.post(f"/api/v1/attempts/{started['id']}/submit",
                         json={"answers": answers}, headers=quiz.headers).get_json()
    feedback = [f for r in result["results"] for f in r["feedback"]]
    assert "wrong, it's yellow" in feedback and "wrong" in feedback
    assert not any("[" in f for f in feedback)


def test_studio_lists_each_problem_and_imports_the_rest_only_on_request(client, quiz, auth):
    auth.login(quiz.instructor.email)
    path = f"/studio/quizzes/{quiz.item.id}/import"
    token = csrf_from(client.get(path).get_data(as_text=True))
    preview = client.post(path, data={"csrf_token": token, "preview": "1", "gift": FIXTURE})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 422
    for problem in PROBLEMS:
        assert problem.replace("'", "&#39;") in html
    assert "6 questions found" in html
    assert "Import 6 questions and skip 3" in html
    assert question_count(client, quiz) == 0

    plain_confirm = client.post(path, data={"csrf_token": token, "confirm": "1",
                                            "gift": FIXTURE})
    assert plain_confirm.status_code == 422
    assert question_count(client, quiz) == 0

    confirm = client.post(path, data={"csrf_token": token, "confirm": "1",
                                      "skip_invalid": "1", "gift": FIXTURE},
                          follow_redirects=True)
    assert confirm.status_code == 200
    assert ("Imported 6 questions. Skipped 3 that cannot be imported (questions 1, 5, 6 of "
            "the file).") in confirm.get_data(as_text=True)
    assert question_count(client, quiz) == 6


def test_command_line_import_lists_every_problem(runner, quiz, tmp_path):
    path = tmp_path / "moodle.gift"
    path.write_text(FIXTURE, encoding="utf-8")
    result = runner.invoke(args=["lms", "quiz-import", str(quiz.item.id), str(path),
                                 "--as", quiz.instructor.email])
    assert result.exit_code != 0
    for problem in PROBLEMS:
        assert problem in result.output
