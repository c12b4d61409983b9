"""Quizzes JSON API: building (editors) and taking (members) quizzes."""

from __future__ import annotations

from flask import Response

from lms.apikit import api_blueprint, iso, json_body, require_actor
from lms.errors import BadRequest, problem
from lms.extensions import db, utcnow
from lms.openapi import obj, operation
from lms.quizzes import attempts, builder, insights, service, standing
from lms.quizzes.gift import GiftProblem
from lms.quizzes.presenters import attempt_json, history_row, outcome_json, percent
from lms.quizzes.specs import editor_question, public_question

bp = api_blueprint("quizzes_api", __name__)

QUESTION = {"type": "object", "required": ["kind", "prompt"], "properties": {
    "kind": {"enum": ["single", "multiple", "true_false", "short_text", "numeric", "matching"]},
    "prompt": {"type": "string"}, "points": {"type": "number", "minimum": 0},
    "title": {"type": "string"}, "explanation": {"type": "string"},
    "choices": {"type": "array", "items": {"type": "object", "properties": {
        "text": {"type": "string"}, "correct": {"type": "boolean"},
        "feedback": {"type": "string"}, "weight": {"type": "number"}}}},
    "answer": {"description": "numeric: the number; true_false: true or false"},
    "tolerance": {"type": "number"},
    "accepted_answers": {"type": "array", "items": {"type": "string"}},
    "accepted_patterns": {"type": "array", "items": {"type": "string"}},
    "numeric_answers": {"type": "array", "items": obj(value="number", tolerance="number?",
                                                      weight="number?", feedback="string?")},
    "pairs": {"type": "array", "items": {"type": "array", "items": {"type": "string"}}}}}
SETTINGS = {"type": "object", "properties": {
    "pass_percent": {"type": "integer"}, "max_attempts": {"type": "integer"},
    "cooldown_seconds": {"type": "integer"}, "time_limit_seconds": {"type": ["integer", "null"]},
    "shuffle_questions": {"type": "boolean"}, "shuffle_choices": {"type": "boolean"},
    "pool_size": {"type": ["integer", "null"]},
    "feedback_policy": {"enum": ["none", "after_each", "after_pass", "after_last"]},
    "scoring": {"enum": ["all_or_nothing", "partial"]}}}
ANSWERS = {"type": "object", "properties": {"answers": {
    "type": "object", "description": 'By question id: [choice id, ...], "text", or for '
    'matching {"<pair index>": "<option>"}'}}}
EDIT = {403: "Not an editor of this course", 404: "No such quiz item"}

OPENAPI = {
    "/items/{item_id}/questions": {
        "get": operation("A quiz's questions with their keys (editors only)",
                         responses={200: "{items: [question]}", **EDIT}),
        "post": operation("Add a question (the response carries its key: editors only)",
                          body=QUESTION, responses={201: "Question", **EDIT,
                                                    409: "Quiz is full", 422: "Invalid"}),
    },
    "/questions/{question_id}": {
        "get": operation("One question with its key (editors only)",
                         responses={200: "Question", **EDIT}),
        "patch": operation("Replace a question's content (its kind stays); started attempts "
                           "keep their frozen copy", body=QUESTION,
                           responses={200: "Question", **EDIT, 422: "Invalid"}),
        "delete": operation("Delete a question", responses={204: "Deleted", **EDIT}),
    },
    "/questions/{question_id}/position": {
        "post": operation("Move a question to a 0-based position", body=obj(position="integer"),
                          responses={200: "Question", **EDIT, 400: "No position"}),
    },
    "/items/{item_id}/quiz": {
        "get": operation("A quiz's settings and question count (no questions, no answers)",
                         responses={200: "Settings", 403: "Not enrolled", 404: "No such quiz"}),
        "patch": operation("Change quiz settings", body=SETTINGS,
                           responses={200: "Settings", **EDIT, 422: "Invalid"}),
    },
    "/items/{item_id}/quiz/gift": {
        "get": operation("Export the quiz as GIFT text (text/plain attachment)",
                         responses={200: "GIFT text", **EDIT, 409: "Not expressible in GIFT"}),
        "post": operation("Import GIFT text; preview=true only parses. A question that "
                          "cannot be imported refuses the whole text (422, one message per "
                          "question with its line) unless skip_invalid=true, which imports "
                          "the others and lists the skipped ones",
                          body=obj(gift="string", preview="boolean?", skip_invalid="boolean?"),
                          responses={200: "Preview {questions, problems, total}",
                                     201: "Imported {items, skipped, total}", **EDIT,
                                     422: "Cannot import (each message names a question "
                                          "and its line)"}),
    },
    "/items/{item_id}/quiz/analysis": {
        "get": operation("Item analysis: facility, discrimination, choice counts, flags",
                         responses={200: "Per-question statistics", **EDIT}),
    },
    "/items/{item_id}/attempts": {
        "get": operation("Your attempts at a quiz, with best score and attempts left",
                         responses={200: "History", 403: "Not enrolled", 404: "No such quiz"}),
        "post": operation("Start an attempt (or get the one in progress, 200)",
                          responses={200: "Attempt in progress", 201: "Attempt started",
                                     403: "Not enrolled", 404: "No such quiz",
                                     409: "Item locked, no attempts left, cooldown, "
                                          "or no questions"}),
    },
    "/attempts/{attempt_id}": {
        "get": operation("Your attempt; results only as the feedback policy allows",
                         responses={200: "Attempt", 404: "No such attempt of yours"}),
    },
    "/attempts/{attempt_id}/answers": {
        "put": operation("Save answers as you go (until the deadline plus 30 s)", body=ANSWERS,
                         responses={200: "{saved_at}", 404: "No such attempt of yours",
                                    409: "Submitted, time is up, or item locked",
                                    422: "Invalid answers"}),
        "post": operation("Save answers (same as PUT)", body=ANSWERS,
                          responses={200: "{saved_at}", 404: "No such attempt of yours",
                                     409: "Submitted, time is up, or item locked",
                                     422: "Invalid answers"}),
    },
    "/attempts/{attempt_id}/submit": {
        "post": operation("Submit and grade. After the deadline plus 30 s: 409, and the "
                          "attempt is graded on the answers saved in time", body=ANSWERS,
                          responses={200: "{score_percent, passed, results?}",
                                     404: "No such attempt of yours",
                                     409: "Already submitted, item locked, or late "
                                          "(graded on saved answers)",
                                     422: "Invalid answers"}),
    },
}


# --- building -----------------------------------------------------------------------


@bp.get("/items/<int:item_id>/questions")
def list_questions(item_id: int):
    quiz = builder.quiz_for_edit(require_actor(), item_id)
    questions = quiz.questions if quiz.id is not None else []
    return {"items": [editor_question(q) for q in questions], "total": len(questions)}


@bp.post("/items/<int:item_id>/questions")
def add_question(item_id: int):
    question = builder.add_question(require_actor(), item_id, json_body())
    db.session.commit()
    return editor_question(question), 201


@bp.get("/questions/<int:question_id>")
def get_question(question_id: int):
    return editor_question(builder.question_for_edit(require_actor(), question_id))


@bp.patch("/questions/<int:question_id>")
def update_question(question_id: int):
    question = builder.update_question(require_actor(), question_id, json_body())
    db.session.commit()
    return editor_question(question)


@bp.delete("/questions/<int:question_id>")
def delete_question(question_id: int):
    builder.delete_question(require_actor(), question_id)
    db.session.commit()
    return "", 204


@bp.post("/questions/<int:question_id>/position")
def move_question(question_id: int):
    position = json_body().get("position")
    if not isinstance(position, int) or isinstance(position, bool):
        raise BadRequest("Send {\"position\": <0-based whole number>}.")
    question = builder.move_question(require_actor(), question_id, position)
    db.session.commit()
    return editor_question(question)


@bp.get("/items/<int:item_id>/quiz")
def get_quiz(item_id: int):
    item, _, _ = attempts.quiz_for_learner(require_actor(), item_id)
    return service.quiz_settings_json(item) | {"item_id": item.id}


@bp.patch("/items/<int:item_id>/quiz")
def update_quiz(item_id: int):
    quiz = service.update_settings(require_actor(), item_id, json_body())
    db.session.commit()
    return service.quiz_settings_json(quiz.item) | {"item_id": item_id}


@bp.get("/items/<int:item_id>/quiz/gift")
def export_gift(item_id: int):
    text = builder.export_gift(require_actor(), item_id)
    return Response(text, mimetype="text/plain", headers={
        "Content-Disposition": f'attachment; filename="quiz-{item_id}.gift"'})


@bp.post("/items/<int:item_id>/quiz/gift")
def import_gift(item_id: int):
    body = json_body()
    text = body.get("gift")
    if not isinstance(text, str):
        raise BadRequest("Send {\"gift\": \"<GIFT text>\"}.")
    skip_invalid = body.get("skip_invalid") is True
    if body.get("preview") is True:
        reading = builder.preview_gift(require_actor(), item_id, text, skip_invalid)
        return {"questions": [{"kind": s.kind, "title": s.title, "prompt": s.prompt}
                              for s in reading.questions],
                "problems": [_problem(p) for p in reading.problems],
                "total": len(reading.questions)}
    imported = builder.import_gift(require_actor(), item_id, text, skip_invalid)
    db.session.commit()
    return {"items": [editor_question(q) for q in imported.questions],
            "skipped": [_problem(p) for p in imported.skipped],
            "total": len(imported.questions)}, 201


def _problem(problem: GiftProblem) -> dict:
    return {"number": problem.number, "line": problem.line, "title": problem.title,
            "message": problem.message}


@bp.get("/items/<int:item_id>/quiz/analysis")
def analysis(item_id: int):
    _, reports, total = insights.analyse(require_actor(), item_id)
    return {"attempts": total, "questions": [
        {"question_id": r.stats.question_id, "prompt": r.prompt, "kind": r.kind,
         "attempts": r.stats.attempts, "facility": r.stats.facility,
         "share_correct": r.stats.share_correct, "discrimination": r.stats.discrimination,
         "choices": [{"text": c.text, "correct": c.correct, "count": c.count}
                     for c in r.choices], "flags": list(r.stats.flags)} for r in reports]}


# --- taking -------------------------------------------------------------------------


@bp.get("/items/<int:item_id>/attempts")
def my_attempts(item_id: int):
    user = require_actor()
    _, _, quiz = attempts.quiz_for_learner(user, item_id)
    mine = attempts.own_attempts(user, quiz)
    left = max(0, quiz.max_attempts - len(mine)) if quiz.max_attempts else None
    return {"items": [history_row(a, utcnow()) for a in mine], "total": len(mine),
            "best_score": percent(standing.best_score(mine)), "attempts_left": left,
            "next_start_at": iso(attempts.next_start_at(quiz, mine))}


@bp.post("/items/<int:item_id>/attempts")
def start_attempt(item_id: int):
    user = require_actor()
    started = attempts.start_attempt(user, item_id)
    db.session.commit()
    attempt = started.attempt
    return {"id": attempt.id, "number": attempt.number, "started_at": iso(attempt.started_at),
            "deadline": iso(attempt.deadline_at),
            "accepts_answers_until": iso(attempts.closes_at(attempt)),
            "questions": [public_question(e) for e in attempt.snapshot["questions"]],
            "answers": attempt.answers}, 201 if started.created else 200


@bp.get("/attempts/<int:attempt_id>")
def get_attempt(attempt_id: int):
    user = require_actor()
    attempt = attempts.get_attempt(user, attempt_id)
    return attempt_json(attempt, attempt.quiz, attempts.own_attempts(user, attempt.quiz),
                        utcnow())


@bp.route("/attempts/<int:attempt_id>/answers", methods=["PUT", "POST"])
def save_answers(attempt_id: int):
    attempt = attempts.save_answers(require_actor(), attempt_id, json_body().get("answers"))
    db.session.commit()
    return {"id": attempt.id, "saved_at": iso(attempt.saved_at)}


@bp.post("/attempts/<int:attempt_id>/submit")
def submit(attempt_id: int):
    user = require_actor()
    answers = json_body(optional=True).get("answers")
    done = attempts.submit_attempt(user, attempt_id, answers)
    db.session.commit()
    attempt = done.attempt
    outcome = outcome_json(attempt, attempt.quiz, attempts.own_attempts(user, attempt.quiz))
    if done.late:
        return problem(409, "Time is up", outcome.pop("detail"), attempt_id=attempt.id,
                       **outcome)
    return {"id": attempt.id, **outcome}
