"""Quizzes listen to catalog: a new quiz item gets its Quiz row and settings."""

from __future__ import annotations

from lms import signals


def connect() -> None:
    signals.item_created.connect(on_item_created)


def on_item_created(item_id: int, *, item, settings: dict, **_) -> None:
    from lms.quizzes.service import create_for_item

    create_for_item(item, settings or {})
