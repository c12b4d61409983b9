"""Anonymous results of course evaluations: per-question aggregates and comments.

No names anywhere: comments come sorted (never in submission order), and any
question with fewer than ``MIN_GROUP`` responses is masked, so that a small group's
answers cannot be told apart.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from lms.accounts.models import User
from lms.catalog.access import get_editable_course
from lms.catalog.models import Course, Item, Module
from lms.extensions import db
from lms.quizzes.evaluations import LIKERT, questions_of
from lms.quizzes.insights import safe_cell
from lms.quizzes.models import EvaluationQuestion, EvaluationResponse

#: Questions with fewer responses than this show no figures or comments.
MIN_GROUP = 5


@dataclass
class QuestionSummary:
    """One question's anonymous aggregate (figures and comments empty when masked)."""

    item_id: int
    item_title: str
    question_id: int
    kind: str
    prompt: str
    responses: int
    masked: bool
    mean: float | None = None
    distribution: dict[str, int] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "item_id": self.item_id, "item_title": self.item_title,
            "question_id": self.question_id, "kind": self.kind, "prompt": self.prompt,
            "responses": self.responses, "masked": self.masked}
        if self.kind == "likert":
            data |= {"count": None if self.masked else self.responses, "mean": self.mean,
                     "distribution": None if self.masked else self.distribution}
        else:
            data["comments"] = None if self.masked else self.comments
        return data


def course_evaluations(actor: User | None, course_id: int) -> tuple[Course, list[QuestionSummary]]:
    """Every evaluation question of the course with its aggregate, in outline order.

    Its instructors and staff only. Raises NotFound, Unauthorized, Forbidden.
    """
    course = get_editable_course(actor, course_id)
    items = db.session.execute(
        select(Item).join(Module, Item.module_id == Module.id)
        .where(Module.course_id == course.id, Item.kind == "evaluation")
        .order_by(Module.position, Item.position)).scalars().all()
    summaries: list[QuestionSummary] = []
    for item in items:
        answers = list(db.session.execute(select(EvaluationResponse.answers).where(
            EvaluationResponse.item_id == item.id)).scalars())
        summaries += [summarise(item, question, answers) for question in questions_of(item.id)]
    return course, summaries


def summarise(item: Item, question: EvaluationQuestion,
              answers: list[dict[str, Any]]) -> QuestionSummary:
    """The aggregate of one question over every response's answers (no names in them)."""
    given = [a[str(question.id)] for a in answers if a.get(str(question.id)) is not None]
    summary = QuestionSummary(item.id, item.title, question.id, question.kind,
                              question.prompt, len(given), len(given) < MIN_GROUP)
    if summary.masked:
        return summary
    if question.kind == "likert":
        summary.mean = round(sum(given) / len(given), 2)
        summary.distribution = {str(point): given.count(point) for point in LIKERT}
    else:
        # Sorted, so the order says nothing about who submitted when.
        summary.comments = sorted(given, key=str.casefold)
    return summary


def evaluations_csv(actor: User | None, course_id: int) -> str:
    """The aggregates as CSV: one row per question, comments one per row after it.

    Raises NotFound, Unauthorized, Forbidden.
    """
    _course, summaries = course_evaluations(actor, course_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["item", "question_id", "kind", "prompt", "responses", "mean",
                     *(f"rated_{point}" for point in LIKERT), "comment"])
    for s in summaries:
        counts = [s.distribution.get(str(point), "") for point in LIKERT]
        mean = "" if s.mean is None else s.mean
        note = "masked: fewer than 5 responses" if s.masked else ""
        writer.writerow([safe_cell(s.item_title), s.question_id, s.kind, safe_cell(s.prompt),
                         s.responses, mean, *counts, note])
        for comment in s.comments:
            writer.writerow([safe_cell(s.item_title), s.question_id, s.kind, "", "", "",
                             *([""] * len(LIKERT)), safe_cell(comment)])
    return out.getvalue()
