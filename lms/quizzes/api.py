"""Quizzes JSON API: building (editors) and taking (members) quizzes."""

from __future__ import annotations

from flask import Response

from lms.apikit import api_blueprint, iso, json_body, require_actor
from lms.errors import BadRequest, problem
from lms.extensions import db, utcnow
from lms.openapi import (
    TIMESTAMP,
    file_response,
    integer,
    items_of,
    json_response,
    nullable,
    obj,
    operation,
    ref,
    text,
)
from lms.quizzes import attempts, builder, evaluation_api, insights, service, standing
from lms.quizzes.gift import GiftProblem
from lms.quizzes.models import FEEDBACK_POLICIES, SCORINGS
from lms.quizzes.presenters import attempt_json, history_row, outcome_json, percent
from lms.quizzes.questions import KINDS
from lms.quizzes.service import DAY
from lms.quizzes.specs import MAX_PROMPT_CHARS, editor_question, public_question

bp = api_blueprint("quizzes_api", __name__)

KIND_FIELDS = {
    "choices": "single, multiple (and true_false instead of answer): at least two "
               "[{text, correct?, feedback?, weight?}]",
    "answer": "true_false: true or false; numeric: the number",
    "feedback": "true_false: {true: text, false: text}",
    "tolerance": "numeric: how far from answer still counts (from 0)",
    "accepted_answers": "short_text: the texts accepted",
    "accepted_patterns": "short_text: patterns accepted",
    "numeric_answers": "numeric: [{value, tolerance?, weight?, feedback?}] instead of answer",
    "pairs": "matching: [[left, right], ...]",
}
QUESTION = obj(
    kind={"enum": list(KINDS)}, prompt=text(MAX_PROMPT_CHARS, required=True),
    points={"type": ["number", "string"], "minimum": 0, "maximum": 1000, "optional": True,
            "description": "0 to 1000 (default 1); a numeric string is read as well"},
    **{name: nullable(text()) | {"optional": True}
       for name in ("title", "explanation", "text_format")},
    **{name: {"description": f"{about}; ignored for other kinds", "optional": True}
       for name, about in KIND_FIELDS.items()},
) | {"description": "What each kind needs is checked on the server; 422 names the field",
     "examples": [{"kind": "single", "prompt": "Which Dewey class holds history?",
                   "choices": [{"text": "900", "correct": True}, {"text": "800"}]}]}
QUESTION_PATCH = QUESTION | {"required": ["prompt"],
                             "description": "As for a new question; the kind stays"}
SETTINGS = obj(
    closed=True, pass_percent=integer(0, 100, optional=True),
    max_attempts=integer(0, 100, optional=True),
    cooldown_seconds=integer(0, 30 * DAY, optional=True),
    time_limit_seconds=integer(1, 7 * DAY, optional=True, null=True),
    shuffle_questions="boolean?", shuffle_choices="boolean?",
    pool_size=integer(1, 500, optional=True, null=True),
    feedback_policy={"enum": list(FEEDBACK_POLICIES), "optional": True},
    scoring={"enum": list(SCORINGS), "optional": True})
ANSWERS = obj(answers={"type": "object", "description": 'By question id of the attempt: '
                       '[choice id, ...], "text", or for matching {"<pair index>": "<option>"}'})
INVALID = "Invalid (errors names the field; what each kind needs)"
EDIT = {403: "Not an editor of this course", 404: "No such quiz item"}
MINE = {404: "No such attempt of yours"}
NUMBER = {"type": "number"}
PUBLIC_QUESTION = obj(id="integer", kind="string", prompt="string", points="number",
                      choices={"type": "array", "optional": True,
                               "items": obj(id="integer", text="string")})
OUTCOME = {"score_percent": nullable(NUMBER), "passed": nullable({"type": "boolean"}),
           "late": "boolean", "results": {"type": "array", "optional": True}}
ATTEMPT_FIELDS = {"id": "integer", "number": "integer", "started_at": TIMESTAMP,
                  "deadline": nullable(TIMESTAMP)}

SCHEMAS = {
    "Question": obj(
        id="integer", position="integer", kind="string", title=nullable({"type": "string"}),
        text_format="string", prompt="string", points="number",
        explanation=nullable({"type": "string"}),
        choices={"type": "array", "items": obj(id="integer", text="string", correct="boolean",
                                               feedback=nullable({"type": "string"}),
                                               weight=nullable(NUMBER))},
        accepted_answers={"type": "array", "items": {"type": "string"}},
        accepted_patterns={"type": "array", "items": {"type": "string"}},
        numeric_answers={"type": "array", "items": {"type": "object"}},
        pairs={"type": "array", "items": {"type": "array"}}),
    "QuizSettings": obj(
        item_id="integer", pass_percent="integer", max_attempts="integer",
        cooldown_seconds="integer", time_limit_seconds=nullable({"type": "integer"}),
        shuffle_questions="boolean", shuffle_choices="boolean",
        pool_size=nullable({"type": "integer"}), feedback_policy={"enum": list(FEEDBACK_POLICIES)},
        scoring={"enum": list(SCORINGS)}, question_count="integer"),
    "Attempt": obj(**ATTEMPT_FIELDS, item_id="integer",
                   status={"enum": ["open", "expired", "submitted"]},
                   accepts_answers_until=nullable(TIMESTAMP),
                   questions={"type": "array", "items": PUBLIC_QUESTION},
                   answers={"type": "object"}, saved_at=nullable(TIMESTAMP),
                   submitted_at=nullable(TIMESTAMP),
                   **{name: schema | {"optional": True} if isinstance(schema, dict)
                      else f"{schema}?" for name, schema in OUTCOME.items()}),
    "StartedAttempt": obj(**ATTEMPT_FIELDS, accepts_answers_until=nullable(TIMESTAMP),
                          questions={"type": "array", "items": PUBLIC_QUESTION},
                          answers={"type": "object"}),
    "AttemptHistory": items_of(
        obj(**ATTEMPT_FIELDS, status="string", submitted_at=nullable(TIMESTAMP),
            score_percent=nullable(NUMBER), passed=nullable({"type": "boolean"}), late="boolean"),
        best_score=nullable(NUMBER), attempts_left=nullable({"type": "integer"}),
        next_start_at=nullable(TIMESTAMP)),
    "Outcome": obj(id="integer", **OUTCOME),
}
QUESTION_OUT = ref("Question")
GIFT_PROBLEMS = {"type": "array", "items": obj(
    number={"type": "integer", "minimum": 1}, line={"type": "integer", "minimum": 1},
    title="string", message="string")}
PREVIEW = obj(questions={"type": "array", "items": obj(
    kind="string", title=nullable({"type": "string"}), prompt="string")},
    problems=GIFT_PROBLEMS, total="integer")
IMPORTED = items_of(QUESTION_OUT, skipped=GIFT_PROBLEMS)
SAVED = obj(id="integer", saved_at=nullable(TIMESTAMP))

OPENAPI = {
    "/items/{item_id}/questions": {
        "get": operation("A quiz's questions with their keys (editors only)",
                         returns=items_of(QUESTION_OUT),
                         responses={200: "{items: [question], total}", **EDIT}),
        "post": operation("Add a question (the response carries its key: editors only)",
                          body=QUESTION, returns=QUESTION_OUT, creates="question_id",
                          responses={201: "Question", **EDIT, 409: "Quiz is full",
                                     422: INVALID}),
    },
    "/questions/{question_id}": {
        "get": operation("One question with its key (editors only)", returns=QUESTION_OUT,
                         responses={200: "Question", **EDIT}),
        "patch": operation("Replace a question's content (its kind stays); started attempts "
                           "keep their frozen copy", body=QUESTION_PATCH, returns=QUESTION_OUT,
                           responses={200: "Question", **EDIT, 422: INVALID}),
        "delete": operation("Delete a question", responses={204: "Deleted", **EDIT}),
    },
    "/questions/{question_id}/position": {
        "post": operation("Move a question to a 0-based position",
                          body=obj(position=integer(0)), returns=QUESTION_OUT,
                          responses={200: "Question", **EDIT,
                                     400: "No position, or not a whole number from 0"}),
    },
    "/items/{item_id}/quiz": {
        "get": operation("A quiz's settings and question count (no questions, no answers)",
                         returns=ref("QuizSettings"),
                         responses={200: "Settings", 403: "Not enrolled", 404: "No such quiz",
                                    409: "Locked: earlier items come first"}),
        "patch": operation("Change quiz settings", body=SETTINGS, returns=ref("QuizSettings"),
                           responses={200: "Settings", **EDIT,
                                      422: "Invalid (errors names the field)"}),
    },
    "/items/{item_id}/quiz/gift": {
        "get": operation("Export the quiz as GIFT text (an attachment)",
                         responses={200: file_response("text/plain", "GIFT text"), **EDIT,
                                    409: "Not expressible in GIFT"}),
        "post": operation("Import GIFT text; preview=true only parses. A question that "
                          "cannot be imported refuses the whole text (422, one message per "
                          "question with its line) unless skip_invalid=true, which imports "
                          "the others and lists the skipped ones",
                          body=obj(gift="string", preview="boolean?", skip_invalid="boolean?")
                          | {"examples": [
                              {"gift": "Which Dewey class holds history? {=900 ~800}"}]},
                          responses={200: json_response("Preview {questions, problems, total}",
                                                        PREVIEW),
                                     201: json_response("Imported {items, skipped, total}",
                                                        IMPORTED),
                                     **EDIT, 409: "Quiz is full",
                                     422: "Cannot import (each message names a question "
                                          "and its line)"}),
    },
    "/items/{item_id}/quiz/analysis": {
        "get": operation("Item analysis: facility, discrimination, choice counts, flags",
                         returns=obj(attempts="integer", questions={"type": "array"}),
                         responses={200: "Per-question statistics", **EDIT}),
    },
    "/items/{item_id}/attempts": {
        "get": operation("Your attempts at a quiz, with best score and attempts left",
                         returns=ref("AttemptHistory"),
                         responses={200: "History", 403: "Not enrolled", 404: "No such quiz",
                                    409: "Locked: earlier items come first"}),
        "post": operation("Start an attempt (or get the one in progress, 200)",
                          returns=ref("StartedAttempt"), creates="attempt_id",
                          responses={200: "Attempt in progress", 201: "Attempt started",
                                     403: "Not enrolled", 404: "No such quiz",
                                     409: "Item locked, no attempts left, cooldown, "
                                          "or no questions"}),
    },
    "/attempts/{attempt_id}": {
        "get": operation("Your attempt; results only as the feedback policy allows",
                         returns=ref("Attempt"), responses={200: "Attempt", **MINE}),
    },
    "/attempts/{attempt_id}/answers": {
        "put": operation("Save answers as you go (until the deadline plus 30 s)", body=ANSWERS,
                         returns=SAVED,
                         responses={200: "{id, saved_at}", **MINE,
                                    409: "Submitted, time is up, or item locked",
                                    422: "Invalid answers (or questions not in the attempt)"}),
        "post": operation("Save answers (same as PUT)", body=ANSWERS, returns=SAVED,
                          responses={200: "{id, saved_at}", **MINE,
                                     409: "Submitted, time is up, or item locked",
                                     422: "Invalid answers (or questions not in the attempt)"}),
    },
    "/attempts/{attempt_id}/submit": {
        "post": operation("Submit and grade (with no body: the saved answers). After the "
                          "deadline plus 30 s: 409, and the attempt is graded on the answers "
                          "saved in time", body=ANSWERS, returns=ref("Outcome"), optional_body=True,
                          responses={200: "{score_percent, passed, results?}", **MINE,
                                     409: "Already submitted, item locked, or late "
                                          "(graded on saved answers)",
                                     422: "Invalid answers (or questions not in the attempt)"})
        | {"requestBody": {"required": False,
                           "content": {"application/json": {"schema": ANSWERS}}}},
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
    if not isinstance(position, int) or isinstance(position, bool) or position < 0:
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
    text, preview = body.get("gift"), body.get("preview", False)
    skip_invalid = body.get("skip_invalid", False)
    if not isinstance(text, str) or not isinstance(preview, bool) \
            or not isinstance(skip_invalid, bool):
        raise BadRequest("Send {\"gift\": \"<GIFT text>\"} (preview and skip_invalid: "
                         "true or false).")
    if preview:
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


# --- course evaluations (``evaluation_api``) -------------------------------------------

evaluation_api.register(bp)
OPENAPI |= evaluation_api.OPENAPI
SCHEMAS |= evaluation_api.SCHEMAS
