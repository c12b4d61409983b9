"""Quizzes listen to catalog: a new quiz item gets its Quiz row and settings.

Quiz settings (the pass mark) and evaluation questions show in course pages, so a
change to them moves the course's ``updated_at`` like any other content change
(``catalog.freshness``).
"""

from __future__ import annotations

from lms import signals


def connect() -> None:
    from lms.catalog import freshness
    from lms.quizzes.models import EvaluationQuestion, Quiz

    signals.item_created.connect(on_item_created)
    freshness.register(Quiz, _course_of_item_row)
    freshness.register(EvaluationQuestion, _course_of_item_row)


def _course_of_item_row(session, row) -> tuple[int, ...]:
    from lms.catalog.models import Item, Module

    item = row.item or (session.get(Item, row.item_id) if row.item_id else None)
    module = item and (item.module or session.get(Module, item.module_id))
    return (module.course_id,) if module is not None else ()


def on_item_created(item_id: int, *, item, settings: dict, **_) -> None:
    from lms.quizzes.service import create_for_item

    create_for_item(item, settings or {})
