"""Attempts as plain data for pages and JSON, showing only what the feedback policy allows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from lms.apikit import iso
from lms.quizzes.attempts import closes_at, is_expired
from lms.quizzes.models import Attempt, Quiz
from lms.quizzes.specs import public_question
from lms.quizzes.standing import results_visible


def status_of(attempt: Attempt, now: datetime) -> str:
    if attempt.submitted_at is not None:
        return "submitted"
    return "expired" if is_expired(attempt, now) else "open"


def percent(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def attempt_json(attempt: Attempt, quiz: Quiz, attempts: list[Attempt],
                 now: datetime) -> dict[str, Any]:
    """The member's view of an attempt: questions without keys; results per the policy."""
    data: dict[str, Any] = {
        "id": attempt.id, "item_id": quiz.item_id, "number": attempt.number,
        "status": status_of(attempt, now), "started_at": iso(attempt.started_at),
        "deadline": iso(attempt.deadline_at), "accepts_answers_until": iso(closes_at(attempt)),
        "questions": [public_question(e) for e in attempt.snapshot["questions"]],
        "answers": attempt.answers, "saved_at": iso(attempt.saved_at),
        "submitted_at": iso(attempt.submitted_at),
    }
    if attempt.submitted_at is not None:
        data |= outcome_json(attempt, quiz, attempts)
    return data


def outcome_json(attempt: Attempt, quiz: Quiz, attempts: list[Attempt]) -> dict[str, Any]:
    """Score and pass; ``results`` only when the feedback policy allows it now."""
    data: dict[str, Any] = {"score_percent": percent(attempt.score_percent),
                            "passed": attempt.passed, "late": attempt.is_late}
    if attempt.is_late:
        data["detail"] = ("Submitted after the time limit: graded on the answers saved "
                          "before the deadline.")
    if results_visible(attempt, quiz, attempts):
        data["results"] = result_details(attempt)
    return data


def history_row(attempt: Attempt, now: datetime) -> dict[str, Any]:
    return {"id": attempt.id, "number": attempt.number, "status": status_of(attempt, now),
            "started_at": iso(attempt.started_at), "deadline": iso(attempt.deadline_at),
            "submitted_at": iso(attempt.submitted_at),
            "score_percent": percent(attempt.score_percent), "passed": attempt.passed,
            "late": attempt.is_late}


def result_details(attempt: Attempt) -> list[dict[str, Any]]:
    """Per question: what was answered, what was right, feedback and explanation."""
    rows = {row["question_id"]: row for row in attempt.results or []}
    return [_detail(entry, rows.get(entry["id"], {}), attempt.answers.get(str(entry["id"])))
            for entry in attempt.snapshot["questions"]]


def _detail(entry: dict[str, Any], row: dict[str, Any], answer: Any) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "question_id": entry["id"], "kind": entry["kind"], "prompt": entry["prompt"],
        "score": float(Decimal(row.get("score", "0"))),
        "max_score": float(Decimal(row.get("max_score", entry["points"]))),
        "correct": bool(row.get("correct")), "feedback": row.get("feedback", []),
        "explanation": entry["explanation"], "answer": answer,
    }
    chosen = set(row.get("selected") or [])
    if entry["choices"]:
        detail["choices"] = [{"id": c["id"], "text": c["text"], "correct": c["correct"],
                              "selected": c["id"] in chosen} for c in entry["choices"]]
    if entry["kind"] == "short_text":
        detail["accepted_answers"] = entry["accepted_answers"]
    if entry["kind"] == "numeric":
        detail["accepted_answers"] = [_numeric_text(a) for a in entry["numeric_answers"]
                                      if Decimal(a["weight"]) == 100]
    if entry["kind"] == "matching":
        detail["pairs"] = [{"left": left, "right": right,
                            "given": (answer or {}).get(str(i))}
                           for i, (left, right) in enumerate(entry["pairs"]) if left]
    return detail


def _numeric_text(answer: dict[str, str]) -> str:
    value, tolerance = Decimal(answer["value"]), Decimal(answer["tolerance"])
    return f"{value:f} ± {tolerance:f}" if tolerance else f"{value:f}"
