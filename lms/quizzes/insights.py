"""Item analysis and the attempts CSV, for a quiz's editors.

Figures come from the graded attempts' frozen questions and results, so questions
edited or deleted since still show what members were really asked.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.extensions import db
from lms.quizzes.analysis import AnswerData, AttemptData, ItemStats, item_analysis
from lms.quizzes.builder import quiz_for_edit
from lms.quizzes.models import Attempt, Quiz

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ChoiceCount:
    text: str
    correct: bool
    count: int


@dataclass(frozen=True)
class QuestionReport:
    position: int
    prompt: str
    kind: str
    stats: ItemStats
    choices: tuple[ChoiceCount, ...]


def graded_attempts(quiz: Quiz) -> list[Attempt]:
    if quiz.id is None:
        return []
    return list(db.session.execute(
        select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.submitted_at.is_not(None))
        .options(selectinload(Attempt.user)).order_by(Attempt.id)).scalars())


def analyse(actor: User | None, item_id: int) -> tuple[Quiz, list[QuestionReport], int]:
    """Per-question statistics and the number of graded attempts.

    Raises NotFound, Unauthorized, Forbidden.
    """
    quiz = quiz_for_edit(actor, item_id)
    attempts = graded_attempts(quiz)
    entries = _latest_entries(attempts)
    data = [_attempt_data(a) for a in attempts]
    choices = {qid: [c["id"] for c in entry["choices"]] for qid, entry in entries.items()}
    stats = item_analysis(data, choices)
    order = {q.id: q.position for q in quiz.questions} if quiz.id else {}
    reports = [_report(s, entries[s.question_id], order) for s in stats]
    reports.sort(key=lambda r: r.position)
    return quiz, reports, len(attempts)


def _latest_entries(attempts: Iterable[Attempt]) -> dict[int, dict[str, Any]]:
    entries: dict[int, dict[str, Any]] = {}
    for attempt in attempts:
        entries.update((entry["id"], entry) for entry in attempt.snapshot["questions"])
    return entries


def _attempt_data(attempt: Attempt) -> AttemptData:
    return AttemptData(tuple(
        AnswerData(row["question_id"], Decimal(row["score"]), Decimal(row["max_score"]),
                   frozenset(row.get("selected") or ()))
        for row in attempt.results or []))


def _report(stats: ItemStats, entry: dict[str, Any], order: dict[int, int]) -> QuestionReport:
    choices = tuple(ChoiceCount(c["text"], c["correct"], stats.choice_counts.get(c["id"], 0))
                    for c in entry["choices"])
    position = order.get(stats.question_id, 10_000 + stats.question_id)
    return QuestionReport(position, entry["prompt"], entry["kind"], stats, choices)


# --- CSV ----------------------------------------------------------------------------


def safe_cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula (= + - @, tab, CR)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def attempts_csv(actor: User | None, item_id: int) -> str:
    """Every graded attempt, one row each, with a score column per question.

    Raises NotFound, Unauthorized, Forbidden.
    """
    quiz = quiz_for_edit(actor, item_id)
    attempts = graded_attempts(quiz)
    question_ids = list(_latest_entries(attempts))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["attempt_id", "member_id", "name", "email", "number", "started_at",
                     "submitted_at", "late", "score_percent", "passed",
                     *[f"q{qid}_score" for qid in question_ids]])
    for attempt in attempts:
        scores = {row["question_id"]: row["score"] for row in attempt.results or []}
        row = [attempt.id, attempt.user_id, attempt.user.name, attempt.user.email,
               attempt.number, attempt.started_at.isoformat(),
               attempt.submitted_at.isoformat(), attempt.is_late,
               attempt.score_percent, attempt.passed,
               *[scores.get(qid, "") for qid in question_ids]]
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
