"""Course evaluations: an ``evaluation`` item asks likert (1–5) and text questions.

Never graded. A member submits once per edition of their enrolment (a retake asks
again); submitting completes the item through ``signals.evaluation_submitted``,
so an evaluation item that is *required* holds back the course's completion, and
with it the certificate, until it is answered. That is the existing required-items
rule: a course "requires an evaluation before the certificate" by having a
required evaluation item, and needs no setting of its own.

Reports (``evaluation_reports``) are anonymous: per-question aggregates and
comments without names, and groups under ``evaluation_reports.MIN_GROUP`` masked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from lms import signals
from lms.accounts.models import User
from lms.catalog.access import (
    check_unlocked,
    get_item_for_edit,
    get_item_for_learner,
    is_read_only,
)
from lms.catalog.models import Item
from lms.database import upsert_insert
from lms.errors import Conflict, Forbidden, NotFound, ValidationError
from lms.extensions import db, utcnow
from lms.quizzes.models import EVALUATION_KINDS, EvaluationQuestion, EvaluationResponse
from lms.text import TextError, clean_text

MAX_PROMPT = 2000
MAX_COMMENT = 5000
LIKERT = range(1, 6)
#: What each point of the scale means (shown beside the radio buttons).
LIKERT_LABELS = {1: "Strongly disagree", 2: "Disagree", 3: "Neutral", 4: "Agree",
                 5: "Strongly agree"}


# --- authoring -----------------------------------------------------------------------


def evaluation_item_for_edit(actor: User | None, item_id: int) -> Item:
    """An evaluation item the actor may edit. Raises NotFound, Unauthorized, Forbidden."""
    item = get_item_for_edit(actor, item_id)
    if item.kind != "evaluation":
        raise NotFound("That item is not an evaluation.")
    return item


def questions_of(item_id: int) -> list[EvaluationQuestion]:
    return list(db.session.execute(
        select(EvaluationQuestion).where(EvaluationQuestion.item_id == item_id)
        .order_by(EvaluationQuestion.position, EvaluationQuestion.id)).scalars())


def clean_question(data: dict[str, Any]) -> dict[str, Any]:
    """``{kind, prompt, required?}`` checked. Raises ValidationError naming the field."""
    errors: dict[str, list[str]] = {}
    kind = data.get("kind")
    if kind not in EVALUATION_KINDS:
        errors["kind"] = [f"Choose one of: {', '.join(EVALUATION_KINDS)}."]
    try:
        prompt = clean_text(data.get("prompt"), max_length=MAX_PROMPT, required=True,
                            multiline=True)
    except TextError as exc:
        errors["prompt"] = [str(exc)]
    required = data.get("required", True)
    if not isinstance(required, bool):
        errors["required"] = ["Must be true or false."]
    if errors:
        raise ValidationError("Check the question.", errors=errors)
    return {"kind": kind, "prompt": prompt, "is_required": required}


def add_question(actor: User | None, item_id: int, data: dict[str, Any]) -> EvaluationQuestion:
    """A question at the end of the evaluation. Raises NotFound, Forbidden, ValidationError."""
    item = evaluation_item_for_edit(actor, item_id)
    question = EvaluationQuestion(item_id=item.id, position=len(questions_of(item.id)),
                                  **clean_question(data))
    db.session.add(question)
    db.session.flush()
    return question


def replace_questions(actor: User | None, item_id: int, specs: list[dict[str, Any]]) -> bool:
    """Make the evaluation ask exactly ``specs`` (package import); True if it changed.

    Raises NotFound, Forbidden, ValidationError.
    """
    item = evaluation_item_for_edit(actor, item_id)
    wanted = [clean_question(spec) for spec in specs]
    current = questions_of(item.id)
    if [question_spec(q) for q in current] == wanted:
        return False
    for question in current:
        db.session.delete(question)
    db.session.flush()
    db.session.add_all(EvaluationQuestion(item_id=item.id, position=index, **spec)
                       for index, spec in enumerate(wanted))
    db.session.flush()
    return True


def question_spec(question: EvaluationQuestion) -> dict[str, Any]:
    return {"kind": question.kind, "prompt": question.prompt,
            "is_required": question.is_required}


def delete_question(actor: User | None, question_id: int) -> int:
    """Remove a question; returns its item's id. Raises NotFound, Forbidden."""
    question = db.session.get(EvaluationQuestion, question_id)
    if question is None:
        raise NotFound("No such question.")
    evaluation_item_for_edit(actor, question.item_id)
    db.session.delete(question)
    db.session.flush()
    return question.item_id


def question_json(question: EvaluationQuestion) -> dict[str, Any]:
    return {"id": question.id, "kind": question.kind, "prompt": question.prompt,
            "required": question.is_required, "position": question.position}


# --- answering -----------------------------------------------------------------------


def evaluation_for_learner(actor: User | None, item_id: int) -> tuple[Item, Any]:
    """An evaluation item the actor may open, with their enrolment (None: an editor).

    Raises NotFound (also for items of other kinds), Unauthorized, Forbidden.
    """
    item, enrollment = get_item_for_learner(actor, item_id)
    if item.kind != "evaluation":
        raise NotFound("That item is not an evaluation.")
    return item, enrollment


def clean_answers(questions: list[EvaluationQuestion], answers: Any) -> dict[str, Any]:
    """The answers keyed by question id: likert 1–5, text up to ``MAX_COMMENT`` characters.

    Raises ValidationError naming each question that is missing or wrong.
    """
    if not isinstance(answers, dict):
        raise ValidationError("Send answers as {\"<question id>\": answer}.",
                              errors={"answers": ["Must be an object."]})
    known = {str(q.id): q for q in questions}
    errors = {f"answers.{key}": ["No such question in this evaluation."]
              for key in answers if key not in known}
    clean: dict[str, Any] = {}
    for key, question in known.items():
        try:
            value = _answer(question, answers.get(key))
        except ValueError as exc:
            errors[f"answers.{key}"] = [str(exc)]
            continue
        if value is not None:
            clean[key] = value
    if errors:
        raise ValidationError("Check your answers.", errors=errors)
    return clean


def _answer(question: EvaluationQuestion, value: Any) -> int | str | None:
    if value in (None, ""):
        if question.is_required:
            raise ValueError("Answer this question.")
        return None
    if question.kind == "likert":
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value not in LIKERT:
            raise ValueError("Choose a rating from 1 to 5.")
        return value
    try:
        return clean_text(value, max_length=MAX_COMMENT, multiline=True) or None
    except TextError as exc:
        raise ValueError(str(exc)) from None


def submit(actor: User | None, item_id: int, answers: Any, *,
           now: datetime | None = None) -> EvaluationResponse:
    """Record the member's evaluation (once per edition) and complete the item.

    Raises NotFound, Unauthorized, Forbidden (editors previewing), ValidationError,
    Conflict (already submitted for this edition, locked item, access ended, or an
    evaluation with no questions yet).
    """
    now = now or utcnow()
    item, enrollment = evaluation_for_learner(actor, item_id)
    if enrollment is None:
        raise Forbidden("Preview mode: evaluations are not recorded for editors.")
    check_unlocked(actor, item, enrollment)
    if is_read_only(enrollment):
        raise Conflict("Your access to this course has ended.")
    questions = questions_of(item.id)
    if not questions:
        raise Conflict("This evaluation has no questions yet.")
    clean = clean_answers(questions, answers)
    response_id = db.session.execute(
        upsert_insert(EvaluationResponse).values(
            item_id=item.id, user_id=actor.id, edition=enrollment.edition, answers=clean,
            submitted_at=now)
        .on_conflict_do_nothing(index_elements=["item_id", "user_id", "edition"])
        .returning(EvaluationResponse.id)).scalar_one_or_none()
    if response_id is None:
        raise Conflict("You have already submitted this evaluation.")
    signals.evaluation_submitted.send(item.id, user=actor, now=now)
    return db.session.get(EvaluationResponse, response_id)


def has_submitted(user: User, item_id: int, edition: int) -> bool:
    return db.session.scalar(select(EvaluationResponse.id).where(
        EvaluationResponse.item_id == item_id, EvaluationResponse.user_id == user.id,
        EvaluationResponse.edition == edition)) is not None


def response_json(response: EvaluationResponse) -> dict[str, Any]:
    return {"id": response.id, "item_id": response.item_id, "edition": response.edition,
            "submitted_at": response.submitted_at.isoformat(), "answers": response.answers}


def evaluation_form(item_id: int) -> list[dict[str, Any]]:
    """What the player's form shows: each question, and the scale for ratings."""
    return [{"id": q.id, "kind": q.kind, "prompt": q.prompt, "required": q.is_required,
             "scale": list(LIKERT_LABELS.items()) if q.kind == "likert" else []}
            for q in questions_of(item_id)]
