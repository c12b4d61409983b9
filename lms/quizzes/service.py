"""Quiz settings, and the read-only answers other domains ask of quizzes.

Other domains call `quiz_settings_json(item)` (what a member may know before an
attempt) and `pass_percent_for(item_id)`. Question building lives in
:mod:`lms.quizzes.builder`, taking quizzes in :mod:`lms.quizzes.attempts`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from lms.accounts.models import User
from lms.catalog.access import get_item_for_edit
from lms.catalog.models import Item
from lms.errors import NotFound, ValidationError
from lms.extensions import db
from lms.quizzes.models import FEEDBACK_POLICIES, SCORINGS, Quiz

DAY = 24 * 3600

#: What a member may know before starting: rules, never questions or keys.
PUBLIC_SETTINGS = ("pass_percent", "max_attempts", "cooldown_seconds", "time_limit_seconds",
                   "shuffle_questions", "shuffle_choices", "pool_size", "feedback_policy",
                   "scoring")


def find_quiz(item: Item) -> Quiz:
    """The item's quiz, or unsaved default settings when it has none yet (reads only)."""
    quiz = db.session.execute(select(Quiz).where(Quiz.item_id == item.id)).scalar_one_or_none()
    return quiz or default_quiz(item)


def default_quiz(item: Item) -> Quiz:
    return Quiz(item_id=item.id, item=item, pass_percent=80, max_attempts=0, cooldown_seconds=0,
                time_limit_seconds=None, shuffle_questions=False, shuffle_choices=False,
                pool_size=None, feedback_policy="after_each", scoring="partial")


def ensure_quiz(item: Item) -> Quiz:
    """The item's quiz, created with default settings when missing (flushes)."""
    quiz = find_quiz(item)
    if quiz.id is None:
        db.session.add(quiz)
        db.session.flush()
    return quiz


def quiz_item_for_edit(actor: User | None, item_id: int) -> Item:
    """A quiz item the actor may edit. Raises NotFound, Unauthorized, Forbidden."""
    item = get_item_for_edit(actor, item_id)
    if item.kind != "quiz":
        raise NotFound("That item is not a quiz.")
    return item


def create_for_item(item: Item, settings: dict[str, Any]) -> Quiz | None:
    """Give a new quiz item its Quiz row (on ``item_created``). Raises ValidationError."""
    if item.kind != "quiz":
        return None
    settings = dict(settings)
    source_item_id = settings.pop("copy_of", None)
    quiz = ensure_quiz(item)
    if source_item_id is not None:
        from lms.quizzes.copying import copy_quiz_into

        copy_quiz_into(source_item_id, quiz)
    apply_settings(quiz, settings)
    return quiz


def update_settings(actor: User | None, item_id: int, fields: dict[str, Any]) -> Quiz:
    """Change a quiz's settings. Raises NotFound, Forbidden, ValidationError."""
    quiz = ensure_quiz(quiz_item_for_edit(actor, item_id))
    apply_settings(quiz, fields)
    return quiz


def apply_settings(quiz: Quiz, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(SETTING_CLEANERS)
    if unknown:
        raise ValidationError("Unknown quiz settings.",
                              errors={name: ["Not a quiz setting."] for name in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    clean = {}
    for name, value in fields.items():
        try:
            clean[name] = SETTING_CLEANERS[name](value)
        except ValueError as exc:
            errors[name] = [str(exc)]
    if errors:
        raise ValidationError("Please correct the quiz settings.", errors=errors)
    for name, value in clean.items():
        setattr(quiz, name, value)
    db.session.flush()


def _whole(low: int, high: int, optional: bool = False) -> Callable[[Any], int | None]:
    def clean(value: Any) -> int | None:
        if value in (None, "") and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(f"Enter a whole number from {low} to {high}.")
        try:
            number = int(value)
        except ValueError:
            raise ValueError(f"Enter a whole number from {low} to {high}.") from None
        if not low <= number <= high:
            raise ValueError(f"Enter a whole number from {low} to {high}.")
        return number
    return clean


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("Give true or false.")
    return value


def _one_of(options: tuple[str, ...]) -> Callable[[Any], str]:
    def clean(value: Any) -> str:
        if value not in options:
            raise ValueError(f"Choose one of: {', '.join(options)}.")
        return value
    return clean


SETTING_CLEANERS: dict[str, Callable[[Any], Any]] = {
    "pass_percent": _whole(0, 100), "max_attempts": _whole(0, 100),
    "cooldown_seconds": _whole(0, 30 * DAY), "time_limit_seconds": _whole(1, 7 * DAY, True),
    "shuffle_questions": _flag, "shuffle_choices": _flag, "pool_size": _whole(1, 500, True),
    "feedback_policy": _one_of(FEEDBACK_POLICIES), "scoring": _one_of(SCORINGS),
}


def settings_json(quiz: Quiz) -> dict[str, Any]:
    return {name: getattr(quiz, name) for name in PUBLIC_SETTINGS}


def quiz_settings_json(item: Item) -> dict[str, Any]:
    """The quiz's public settings plus its question count (no questions, no answers)."""
    quiz = find_quiz(item)
    total = len(quiz.questions) if quiz.id is not None else 0
    drawn = min(quiz.pool_size, total) if quiz.pool_size else total
    return settings_json(quiz) | {"question_count": drawn}


def pass_percent_for(item_id: int) -> int | None:
    """The pass mark of the quiz on this item, or None when the item has no quiz."""
    return db.session.execute(
        select(Quiz.pass_percent).where(Quiz.item_id == item_id)).scalar_one_or_none()
