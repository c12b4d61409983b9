"""Taking quizzes: start (draw and freeze), save as you go, submit and grade on the server.

Rules that hold whichever page or API calls these:
- Only the member who started an attempt sees or changes it (anyone else: NotFound).
- The attempt limit and cooldown are checked when starting; the unique (quiz, member,
  number) constraint makes concurrent starts collide instead of exceeding the limit.
- Deadlines come from the server clock (``now``); answers are saved and accepted until
  the deadline plus `GRACE`. Later submissions are graded on what was saved in time.
- A submission is recorded by a conditional UPDATE, so a second one changes nothing.
- A quiz item locked for the member (an in-order course, a module prerequisite: see
  ``catalog.access.check_unlocked``) can't be started, answered or submitted.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from lms import signals
from lms.accounts.models import User
from lms.catalog.access import check_unlocked, enrollment_of, get_item_for_learner, is_read_only
from lms.catalog.models import Enrollment, Item
from lms.errors import Conflict, NotFound, ValidationError
from lms.extensions import db, utcnow
from lms.quizzes.answers import clean_answers, responses_for, selected_ids
from lms.quizzes.grading import ResponseError, grade_attempt
from lms.quizzes.models import Attempt, Question, Quiz
from lms.quizzes.pool import draw_questions, shuffled
from lms.quizzes.service import find_quiz
from lms.quizzes.specs import snapshot_entry, spec_from_entry
from lms.units import duration

#: Answers still count this long after the deadline (network delays, slow clicks).
GRACE = timedelta(seconds=30)


@dataclass(frozen=True)
class Started:
    attempt: Attempt
    created: bool


@dataclass(frozen=True)
class Submitted:
    attempt: Attempt
    #: True when it came after the deadline and grace: graded on the saved answers.
    late: bool


def quiz_for_learner(actor: User | None, item_id: int) -> tuple[Item, Enrollment | None, Quiz]:
    """A quiz item the actor may take (members enrolled; editors preview).

    Raises NotFound, Unauthorized, Forbidden.
    """
    item, enrollment = get_item_for_learner(actor, item_id)
    if item.kind != "quiz":
        raise NotFound("That item is not a quiz.")
    return item, enrollment, find_quiz(item)


def own_attempts(user: User, quiz: Quiz) -> list[Attempt]:
    """The member's attempts in the current edition of their enrolment (a retake
    starts afresh; earlier editions' attempts stay on record)."""
    if quiz.id is None:
        return []
    return list(db.session.execute(
        select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id,
                              Attempt.edition == current_edition(user, quiz))
        .order_by(Attempt.number)).scalars())


def current_edition(user: User, quiz: Quiz) -> int:
    enrollment = enrollment_of(user, quiz.item.module.course)
    return enrollment.edition if enrollment is not None else 1


def _next_number(user: User, quiz: Quiz, attempts: list[Attempt], edition: int) -> int:
    """The number after the member's ``attempts`` of this edition, counted on from the
    earlier editions' (which no longer change). Derived from the same list the limit
    was checked against, so concurrent starts take the same number and collide."""
    earlier = db.session.scalar(select(func.max(Attempt.number)).where(
        Attempt.quiz_id == quiz.id, Attempt.user_id == user.id, Attempt.edition < edition))
    return (earlier or 0) + len(attempts) + 1


def get_attempt(actor: User | None, attempt_id: int) -> Attempt:
    """The actor's own attempt; another member's is NotFound, like one that doesn't exist."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or actor is None or attempt.user_id != actor.id:
        raise NotFound("No such attempt.")
    return attempt


def _attempt_to_change(actor: User | None, attempt_id: int) -> Attempt:
    """The actor's own attempt, on a quiz item not locked for them (an attempt started
    before an earlier item was added waits until that item is done)."""
    attempt = get_attempt(actor, attempt_id)
    item = attempt.quiz.item
    check_unlocked(actor, item, enrollment_of(actor, item.module.course))
    return attempt


def time_allowed(quiz: Quiz, user: User) -> timedelta | None:
    """The time limit stretched by the member's accommodation (extra_time_percent)."""
    if not quiz.time_limit_seconds:
        return None
    extra = max(0, user.extra_time_percent or 0)
    return timedelta(seconds=quiz.time_limit_seconds * (100 + extra) / 100)


def closes_at(attempt: Attempt) -> datetime | None:
    """The last moment answers are accepted: the deadline plus the grace period."""
    return attempt.deadline_at + GRACE if attempt.deadline_at else None


def is_expired(attempt: Attempt, now: datetime) -> bool:
    closing = closes_at(attempt)
    return closing is not None and now > closing


# --- starting -----------------------------------------------------------------------


def start_attempt(actor: User | None, item_id: int, *, now: datetime | None = None,
                  rng: random.Random | None = None) -> Started:
    """Start an attempt, or return the member's attempt still in progress.

    Draws the questions (unseen first), shuffles per the settings, freezes them and
    sets the deadline. Raises NotFound, Unauthorized, Forbidden, and Conflict when
    the item is locked, the quiz has no questions, access has ended, no attempts are
    left, the cooldown is not over, or another start won the race.
    """
    now = now or utcnow()
    item, enrollment, quiz = quiz_for_learner(actor, item_id)
    check_unlocked(actor, item, enrollment)
    if is_read_only(enrollment):
        raise Conflict("Your access to this course has ended; you can no longer take quizzes.")
    if quiz.id is None or not quiz.questions:
        raise Conflict("This quiz has no questions yet.")
    attempts = own_attempts(actor, quiz)
    for attempt in attempts:
        if attempt.submitted_at is None and is_expired(attempt, now):
            finish_expired(attempt, now)
    running = [a for a in attempts if a.submitted_at is None]
    if running:
        return Started(running[0], False)
    check_may_start(quiz, attempts, now)
    return Started(_create(actor, quiz, attempts, now, rng or random.SystemRandom()), True)


def check_may_start(quiz: Quiz, attempts: list[Attempt], now: datetime) -> None:
    """Raises Conflict saying when (if ever) the next attempt is possible."""
    if quiz.max_attempts and len(attempts) >= quiz.max_attempts:
        raise Conflict(f"No attempts left: this quiz allows {quiz.max_attempts} and you "
                       "have used them all.")
    next_at = next_start_at(quiz, attempts)
    if next_at is not None and now < next_at:
        wait = int((next_at - now).total_seconds() + 0.999)
        raise Conflict(f"You can start your next attempt at {next_at:%Y-%m-%d %H:%M:%S} UTC "
                       f"(in {duration(wait)}).")


def next_start_at(quiz: Quiz, attempts: list[Attempt]) -> datetime | None:
    """When the cooldown after the latest submission ends (None without a cooldown)."""
    submitted = [a.submitted_at for a in attempts if a.submitted_at is not None]
    if not quiz.cooldown_seconds or not submitted:
        return None
    return max(submitted) + timedelta(seconds=quiz.cooldown_seconds)


def _create(user: User, quiz: Quiz, attempts: list[Attempt], now: datetime,
            rng: random.Random) -> Attempt:
    seen = {q["id"] for a in attempts for q in a.snapshot["questions"]}
    allowed = time_allowed(quiz, user)
    edition = current_edition(user, quiz)
    attempt = Attempt(quiz_id=quiz.id, user_id=user.id,
                      number=_next_number(user, quiz, attempts, edition), edition=edition,
                      started_at=now, deadline_at=now + allowed if allowed else None,
                      snapshot=freeze(quiz, seen, rng), answers={})
    db.session.add(attempt)
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict("Another attempt was started at the same moment; open the quiz "
                       "again to continue it.") from None
    return attempt


def freeze(quiz: Quiz, seen: set[int], rng: random.Random) -> dict[str, Any]:
    """The drawn questions in shown order, with everything needed to grade them later."""
    by_id = {q.id: q for q in quiz.questions}
    count = quiz.pool_size or len(by_id)
    drawn = draw_questions(list(by_id), count, seen, rng)
    if quiz.shuffle_questions:
        drawn = shuffled(drawn, rng)
    return {"scoring": quiz.scoring, "pass_percent": quiz.pass_percent,
            "questions": [_frozen(by_id[qid], quiz, rng) for qid in drawn]}


def _frozen(question: Question, quiz: Quiz, rng: random.Random) -> dict[str, Any]:
    choices = list(question.choices)
    if quiz.shuffle_choices and question.kind in ("single", "multiple"):
        choices = shuffled(choices, rng)
    # Right-hand sides in alphabetical order: their order must not hint at the pairing.
    options = sorted({right for _, right in question.pairs or []}, key=str.casefold)
    return snapshot_entry(question, choices, options)


# --- saving and submitting ----------------------------------------------------------


def save_answers(actor: User | None, attempt_id: int, answers: Any, *,
                 now: datetime | None = None) -> Attempt:
    """Merge answers into a running attempt. Raises NotFound, ValidationError, and
    Conflict once it is submitted or its time (with grace) is over, or the item is locked."""
    now = now or utcnow()
    attempt = _attempt_to_change(actor, attempt_id)
    if attempt.submitted_at is not None:
        raise Conflict("This attempt has been submitted; answers can no longer change.")
    if is_expired(attempt, now):
        raise Conflict("Time is up for this attempt; answers can no longer change.")
    merged = {**attempt.answers, **clean_answers(attempt.snapshot, answers)}
    # Conditional, like submitting: a save racing a submit never changes a graded attempt.
    done = db.session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None))
        .values(answers=merged, saved_at=now).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise Conflict("This attempt has been submitted; answers can no longer change.")
    db.session.refresh(attempt)
    return attempt


def submit_attempt(actor: User | None, attempt_id: int, answers: Any = None, *,
                   now: datetime | None = None) -> Submitted:
    """Grade and record the attempt once; signals quiz_passed or quiz_failed.

    After the deadline plus grace the answers given here are ignored and the saved
    ones graded (``late``). Raises NotFound, ValidationError, Conflict (already submitted,
    or the item is locked).
    """
    now = now or utcnow()
    attempt = _attempt_to_change(actor, attempt_id)
    if attempt.submitted_at is not None:
        raise Conflict("This attempt was already submitted; its result stands.")
    late = is_expired(attempt, now)
    final = dict(attempt.answers)
    if not late and answers is not None:
        final.update(clean_answers(attempt.snapshot, answers))
    _record(attempt, final, now, late)
    return Submitted(attempt, late)


def finish_expired(attempt: Attempt, now: datetime) -> None:
    """Grade an attempt whose time ran out on the answers saved in time."""
    _record(attempt, dict(attempt.answers), now, late=True)


def _record(attempt: Attempt, answers: dict[str, Any], now: datetime, late: bool) -> None:
    graded = grade(attempt.snapshot, answers)
    submitted_at = min(now, closes_at(attempt)) if late else now
    done = db.session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None))
        .values(submitted_at=submitted_at, answers=answers, score_percent=graded.score_percent,
                passed=graded.passed, results=graded.results, is_late=late)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise Conflict("This attempt was already submitted; its result stands.")
    db.session.refresh(attempt)
    _announce(attempt, now)


@dataclass(frozen=True)
class Graded:
    score_percent: Decimal
    passed: bool
    results: list[dict[str, Any]]


def grade(snapshot: Mapping[str, Any], answers: Mapping[str, Any]) -> Graded:
    """Grade saved answers against the frozen questions (pure)."""
    entries = snapshot["questions"]
    specs = [spec_from_entry(entry, snapshot["scoring"]) for entry in entries]
    try:
        result = grade_attempt(zip(specs, responses_for(entries, answers), strict=True),
                               snapshot["pass_percent"])
    except ResponseError as exc:
        raise ValidationError(f"An answer does not fit its question: {exc}.",
                              errors={"answers": [str(exc)]}) from exc
    rows = [{"question_id": entry["id"], "score": str(r.score), "max_score": str(r.max_score),
             "correct": r.correct, "feedback": list(r.feedback),
             "selected": selected_ids(entry, answers.get(str(entry["id"])))}
            for entry, r in zip(entries, result.results, strict=True)]
    return Graded(result.score_percent, result.passed, rows)


def _announce(attempt: Attempt, now: datetime) -> None:
    signal = signals.quiz_passed if attempt.passed else signals.quiz_failed
    signal.send(attempt.quiz.item_id, user=attempt.user, attempt=attempt,
                score_percent=float(attempt.score_percent), now=now)
