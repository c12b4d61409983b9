"""Building quizzes: questions through the API and the studio pages, GIFT import and export,
settings, and who may do it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from lms.quizzes.gift import parse_gift
from tests.factories import api_headers, csrf_from, make_user
from tests.quizzes.conftest import QUESTIONS

SAMPLE = Path(__file__).parent / "data" / "all_kinds.gift"


def test_every_kind_is_created_with_its_key_for_editors(client, quiz):
    added = quiz.add(client, *QUESTIONS)
    assert [q["kind"] for q in added] == [q["kind"] for q in QUESTIONS]
    assert [c["correct"] for c in added[0]["choices"]] == [True, False, False]
    assert added[0]["choices"][0]["feedback"] == "FB-single-right"
    assert [c["text"] for c in added[2]["choices"]] == ["True", "False"]
    assert added[4]["numeric_answers"] == [{"value": 13.75, "tolerance": 0.25, "weight": 100.0,
                                            "feedback": ""}]
    listed = client.get(f"/api/v1/items/{quiz.item.id}/questions", headers=quiz.editor)
    assert [q["position"] for q in listed.get_json()["items"]] == [0, 1, 2, 3, 4, 5]


@pytest.mark.parametrize(("question", "field"), [
    ({"kind": "single", "prompt": "No key", "choices": [{"text": "a"}, {"text": "b"}]},
     "choices"),
    ({"kind": "essay", "prompt": "x"}, "kind"),
    ({"kind": "short_text", "prompt": " "}, "prompt"),
    ({"kind": "short_text", "prompt": "Regex", "accepted_patterns": ["(a+)+"]}, "accepted_answers"),
    ({"kind": "numeric", "prompt": "n", "answer": "abc"}, "answer"),
    ({"kind": "matching", "prompt": "m", "pairs": [["a", "b"]]}, "pairs"),
    ({"kind": "true_false", "prompt": "t"}, "answer"),
])
def test_invalid_questions_are_422_naming_the_field(client, quiz, question, field):
    response = client.post(f"/api/v1/items/{quiz.item.id}/questions", json=question,
                           headers=quiz.editor)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_edit_reorder_and_delete_questions(client, quiz):
    first, second, third = quiz.add(client, *QUESTIONS[:3])
    patched = client.patch(f"/api/v1/questions/{first['id']}",
                           json={**QUESTIONS[0], "prompt": "Which class holds history now?"},
                           headers=quiz.editor)
    assert patched.get_json()["prompt"] == "Which class holds history now?"
    moved = client.post(f"/api/v1/questions/{third['id']}/position", json={"position": 0},
                        headers=quiz.editor)
    assert moved.get_json()["position"] == 0
    assert client.delete(f"/api/v1/questions/{second['id']}",
                         headers=quiz.editor).status_code == 204
    listed = client.get(f"/api/v1/items/{quiz.item.id}/questions", headers=quiz.editor)
    assert [(q["id"], q["position"]) for q in listed.get_json()["items"]] == [
        (third["id"], 0), (first["id"], 1)]


def test_settings_are_checked_and_public(client, quiz):
    bad = client.patch(f"/api/v1/items/{quiz.item.id}/quiz",
                       json={"pass_percent": 120, "feedback_policy": "sometimes"},
                       headers=quiz.editor)
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"pass_percent", "feedback_policy"}
    body = quiz.settings(client, pass_percent=70, max_attempts=3, time_limit_seconds=600,
                         pool_size=2)
    assert (body["pass_percent"], body["max_attempts"], body["pool_size"]) == (70, 3, 2)
    member_view = client.get(f"/api/v1/items/{quiz.item.id}/quiz", headers=quiz.headers)
    assert member_view.get_json()["time_limit_seconds"] == 600
    assert client.patch(f"/api/v1/items/{quiz.item.id}/quiz", json={"pass_percent": 1},
                        headers=quiz.headers).status_code == 403


def test_other_instructor_cannot_build(client, quiz):
    other = api_headers(make_user(role="instructor"))
    response = client.post(f"/api/v1/items/{quiz.item.id}/questions", json=QUESTIONS[0],
                           headers=other)
    assert response.status_code == 403


def test_item_created_signal_makes_the_quiz_with_its_settings(client, quiz):
    module_id = quiz.item.module_id
    response = client.post(f"/api/v1/modules/{module_id}/items", headers=quiz.editor, json={
        "kind": "quiz", "title": "Final quiz", "pass_percent": 60, "max_attempts": 2,
        "time_limit_seconds": 900})
    assert response.status_code == 201, response.get_json()
    settings = client.get(f"/api/v1/items/{response.get_json()['id']}/quiz",
                          headers=quiz.editor).get_json()
    assert (settings["pass_percent"], settings["max_attempts"],
            settings["time_limit_seconds"]) == (60, 2, 900)


def test_gift_file_of_every_kind_round_trips_through_the_api(client, quiz):
    text = SAMPLE.read_text(encoding="utf-8")
    imported = client.post(f"/api/v1/items/{quiz.item.id}/quiz/gift", json={"gift": text},
                           headers=quiz.editor)
    assert imported.status_code == 201
    assert {q["kind"] for q in imported.get_json()["items"]} == {
        "single", "multiple", "true_false", "short_text", "numeric", "matching"}
    exported = client.get(f"/api/v1/items/{quiz.item.id}/quiz/gift", headers=quiz.editor)
    assert exported.status_code == 200
    assert "attachment" in exported.headers["Content-Disposition"]
    assert parse_gift(exported.get_data(as_text=True)) == parse_gift(text)


def test_malformed_gift_reports_the_line_and_adds_nothing(client, quiz):
    text = "Good question {=yes ~no}\n\nBroken question {=a ~b\n\nAnother {T}\n"
    response = client.post(f"/api/v1/items/{quiz.item.id}/quiz/gift", json={"gift": text},
                           headers=quiz.editor)
    assert response.status_code == 422
    assert response.get_json()["errors"]["gift"] == [
        "Line 3, question 2: unclosed '{' in question starting at line 3"]
    listed = client.get(f"/api/v1/items/{quiz.item.id}/questions", headers=quiz.editor)
    assert listed.get_json()["total"] == 0


def studio_login(client, auth, user) -> None:
    auth.login(user.email)


def test_gift_upload_preview_confirm_and_download_in_the_studio(client, quiz, auth):
    studio_login(client, auth, quiz.instructor)
    path = f"/studio/quizzes/{quiz.item.id}/import"
    token = csrf_from(client.get(path).get_data(as_text=True))
    upload = (io.BytesIO(SAMPLE.read_bytes()), "moodle.gift")
    preview = client.post(path, data={"csrf_token": token, "upload": upload, "preview": "1"},
                          content_type="multipart/form-data")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "11 questions found" in html
    assert client.get(f"/api/v1/items/{quiz.item.id}/questions",
                      headers=quiz.editor).get_json()["total"] == 0
    confirm = client.post(path, data={"csrf_token": token, "confirm": "1",
                                      "gift": SAMPLE.read_text(encoding="utf-8")})
    assert confirm.status_code == 302
    download = client.get(f"/studio/quizzes/{quiz.item.id}/export.gift")
    assert parse_gift(download.get_data(as_text=True)) == parse_gift(
        SAMPLE.read_text(encoding="utf-8"))


def test_studio_shows_the_line_of_a_malformed_upload(client, quiz, auth):
    studio_login(client, auth, quiz.instructor)
    path = f"/studio/quizzes/{quiz.item.id}/import"
    token = csrf_from(client.get(path).get_data(as_text=True))
    response = client.post(path, data={"csrf_token": token, "preview": "1",
                                       "gift": "// comment\n\nQ {=a ~b"})
    assert response.status_code == 422
    assert "Line 3, question 1: unclosed" in response.get_data(as_text=True)


def test_studio_question_form_preview_and_save(client, quiz, auth):
    studio_login(client, auth, quiz.instructor)
    path = f"/studio/quizzes/{quiz.item.id}/questions/new/single"
    token = csrf_from(client.get(path).get_data(as_text=True))
    form = {"csrf_token": token, "prompt": "Which class holds history?", "points": "2",
            "explanation": "EXPL", "choice-0-text": "900", "choice-0-correct": "y",
            "choice-0-feedback": "Right", "choice-1-text": "800", "rows": "6"}
    preview = client.post(path, data={**form, "preview": "1"})
    html = preview.get_data(as_text=True)
    assert "what members see" in html and 'name="q0"' in html
    saved = client.post(path, data={**form, "save": "1"})
    assert saved.status_code == 302
    question = client.get(f"/api/v1/items/{quiz.item.id}/questions",
                          headers=quiz.editor).get_json()["items"][0]
    assert question["points"] == 2.0 and question["choices"][0]["feedback"] == "Right"
    edit = client.get(f"/studio/quizzes/questions/{question['id']}")
    assert 'value="900"' in edit.get_data(as_text=True)
    no_key = client.post(path, data={**form, "choice-0-correct": "", "save": "1"})
    assert no_key.status_code == 422


@pytest.mark.parametrize("kind", ["single", "multiple", "true_false", "short_text", "numeric",
                                  "matching"])
def test_studio_pages_answer_for_every_kind(client, quiz, auth, kind):
    studio_login(client, auth, quiz.instructor)
    assert client.get(f"/studio/quizzes/{quiz.item.id}/questions/new/{kind}").status_code == 200


def test_studio_settings_form(client, quiz, auth):
    studio_login(client, auth, quiz.instructor)
    path = f"/studio/quizzes/{quiz.item.id}"
    token = csrf_from(client.get(path).get_data(as_text=True))
    response = client.post(path, data={
        "csrf_token": token, "pass_percent": "75", "max_attempts": "2", "cooldown_seconds": "60",
        "time_limit_minutes": "1.5", "pool_size": "", "feedback_policy": "after_pass",
        "scoring": "all_or_nothing", "shuffle_questions": "y"})
    assert response.status_code == 302
    settings = client.get(f"/api/v1/items/{quiz.item.id}/quiz", headers=quiz.editor).get_json()
    assert settings["time_limit_seconds"] == 90 and settings["shuffle_questions"] is True
    assert settings["feedback_policy"] == "after_pass"


def test_members_cannot_open_the_builder(client, quiz, auth):
    studio_login(client, auth, quiz.member)
    for path in ("", "/import", "/analysis", "/attempts.csv", "/export.gift", "/preview"):
        assert client.get(f"/studio/quizzes/{quiz.item.id}{path}").status_code == 403


def test_gift_import_and_export_on_the_command_line(runner, quiz):
    imported = runner.invoke(args=["lms", "quiz-import", str(quiz.item.id), str(SAMPLE),
                                   "--as", quiz.instructor.email])
    assert imported.exit_code == 0, imported.output
    assert "Imported 11 questions" in imported.output
    exported = runner.invoke(args=["lms", "quiz-export", str(quiz.item.id),
                                   "--as", quiz.instructor.email])
    assert parse_gift(exported.output) == parse_gift(SAMPLE.read_text(encoding="utf-8"))
    refused = runner.invoke(args=["lms", "quiz-export", str(quiz.item.id),
                                  "--as", quiz.member.email])
    assert refused.exit_code != 0
