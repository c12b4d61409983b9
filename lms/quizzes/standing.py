"""A member's standing on a quiz: the intro page's overview and what results they may see.

Read-only: nothing here changes an attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from lms.accounts.models import User
from lms.catalog.access import is_read_only, lock_message
from lms.catalog.models import Enrollment, Item
from lms.errors import Conflict
from lms.extensions import utcnow
from lms.quizzes.attempts import (
    check_may_start,
    next_start_at,
    own_attempts,
    quiz_for_learner,
    time_allowed,
)
from lms.quizzes.models import Attempt, Quiz


def results_visible(attempt: Attempt, quiz: Quiz, attempts: list[Attempt]) -> bool:
    """Whether the feedback policy lets the member see per-question results now.

    after_pass: once the member has passed this quiz; after_last: once no attempts are
    left (never on a quiz with unlimited attempts).
    """
    if attempt.submitted_at is None:
        return False
    policy = quiz.feedback_policy
    if policy == "after_each":
        return True
    if policy == "after_pass":
        return any(a.passed for a in attempts)
    if policy == "after_last":
        return bool(quiz.max_attempts) and len(attempts) >= quiz.max_attempts
    return False


def best_score(attempts: list[Attempt]) -> Decimal | None:
    scores = [a.score_percent for a in attempts if a.score_percent is not None]
    return max(scores) if scores else None


@dataclass(frozen=True)
class Overview:
    """Everything the quiz's intro page shows a member (plain data, no queries left)."""

    item: Item
    course_slug: str
    quiz: Quiz
    question_count: int
    time_allowed: timedelta | None
    attempts: list[Attempt]
    attempts_left: int | None
    best_score: Decimal | None
    has_passed: bool
    running: Attempt | None
    next_start_at: datetime | None
    #: Why no attempt can start or go on now (None: it can).
    blocked: str | None
    is_preview: bool


def overview(actor: User | None, item_id: int, *, now: datetime | None = None) -> Overview:
    """The member's standing on a quiz. Raises NotFound, Unauthorized, Forbidden."""
    now = now or utcnow()
    item, enrollment, quiz = quiz_for_learner(actor, item_id)
    mine = own_attempts(actor, quiz)
    total = len(quiz.questions) if quiz.id is not None else 0
    running = next((a for a in mine if a.submitted_at is None), None)
    locked = lock_message(actor, item, enrollment)
    return Overview(
        item=item, course_slug=item.module.course.slug, quiz=quiz,
        question_count=min(quiz.pool_size, total) if quiz.pool_size else total,
        time_allowed=time_allowed(quiz, actor), attempts=mine,
        attempts_left=max(0, quiz.max_attempts - len(mine)) if quiz.max_attempts else None,
        best_score=best_score(mine), has_passed=any(a.passed for a in mine), running=running,
        next_start_at=next_start_at(quiz, mine),
        blocked=locked or (None if running else _blocked(quiz, mine, enrollment, total, now)),
        is_preview=enrollment is None)


def _blocked(quiz: Quiz, mine: list[Attempt], enrollment: Enrollment | None, total: int,
             now: datetime) -> str | None:
    if is_read_only(enrollment):
        return "Your access to this course has ended."
    if not total:
        return "This quiz has no questions yet."
    try:
        check_may_start(quiz, mine, now)
    except Conflict as exc:
        return exc.detail
    return None
