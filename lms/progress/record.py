"""The learning record: append-only xAPI statements about what members did."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from lms import signals
from lms.accounts.models import User
from lms.catalog.models import Course, Item
from lms.extensions import db
from lms.progress import xapi
from lms.progress.models import LearningEvent


def course_iri(course: Course) -> str:
    return f"{current_app.config['BASE_URL']}/courses/{course.slug}"


def item_iri(course: Course, item: Item) -> str:
    return f"{current_app.config['BASE_URL']}/learn/{course.slug}/items/{item.id}"


def record_event(user: User, verb: str, course: Course, item: Item | None = None, *,
                 now: datetime, result: dict | None = None,
                 extensions: dict | None = None) -> LearningEvent:
    """Append one statement (``verb`` is a key of ``xapi.VERBS``); flushes nothing itself.

    Its ``statement_id`` is fixed here and never changes, so a Learning Record Store
    that receives the statement twice keeps it once.
    """
    course_activity = xapi.activity(course_iri(course), "course", course.title)
    obj = xapi.activity(item_iri(course, item), item.kind, item.title) if item else course_activity
    body = xapi.statement(
        actor=xapi.agent(user.id, user.name, current_app.config["BASE_URL"]), verb=verb,
        obj=obj, timestamp=now, result=result,
        parent=course_activity if item else None, extensions=extensions)
    event = LearningEvent(statement_id=body["id"], user_id=user.id, verb=verb,
                          course_id=course.id, item_id=item.id if item else None,
                          timestamp=now, statement=body)
    db.session.add(event)
    signals.learning_event_recorded.send(verb, event=event)
    return event


def statements_for(user: User, page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
    """A member's own statements, newest first, and how many there are."""
    mine = LearningEvent.user_id == user.id
    total = db.session.scalar(select(func.count(LearningEvent.id)).where(mine)) or 0
    rows = db.session.execute(
        select(LearningEvent.statement).where(mine).order_by(LearningEvent.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).scalars()
    return list(rows), total


def iter_statements(batch: int = 500) -> Iterator[dict[str, Any]]:
    """Every statement in the order recorded, read in batches (keyset pagination)."""
    last_id = 0
    while True:
        rows = db.session.execute(
            select(LearningEvent.id, LearningEvent.statement).where(LearningEvent.id > last_id)
            .order_by(LearningEvent.id).limit(batch)).all()
        if not rows:
            return
        for row in rows:
            yield row.statement
        last_id = rows[-1].id
