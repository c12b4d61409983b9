"""Quizzes listen to catalog: a new quiz item gets its Quiz row and settings.

Quiz settings show in course outlines (the pass mark), so a change to them moves
the course's ``updated_at`` like any other content change (``catalog.freshness``).
"""

from __future__ import annotations

from lms import signals


def connect() -> None:
    from lms.catalog import freshness
    from lms.quizzes.models import Quiz

    signals.item_created.connect(on_item_created)
    freshness.register(Quiz, _courses_of_quiz)


def _courses_of_quiz(session, quiz) -> tuple[int, ...]:
    from lms.catalog.models import Item, Module

    item = quiz.item or (session.get(Item, quiz.item_id) if quiz.item_id else None)
    module = item and (item.module or session.get(Module, item.module_id))
    return (module.course_id,) if module is not None else ()


def on_item_created(item_id: int, *, item, settings: dict, **_) -> None:
    from lms.quizzes.service import create_for_item

    create_for_item(item, settings or {})
