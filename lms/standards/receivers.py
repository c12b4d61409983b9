"""Standards listens to the learning record (each recording transaction queues forwarding)
and to completions (a course reached through an LTI link sends its score back)."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from lms import signals


def connect() -> None:
    from lms.jobs.views import register_status_line
    from lms.standards import lti_scores, service  # noqa: F401  (registers the tasks)

    signals.learning_event_recorded.connect(on_learning_event_recorded)
    signals.course_completed.connect(on_course_completed)
    register_status_line(service.status_line)
    if not event.contains(Session, "after_transaction_end", _transaction_ended):
        event.listen(Session, "after_transaction_end", _transaction_ended)


def on_learning_event_recorded(_verb: str, **_) -> None:
    """Queue forwarding to the LRS once the recording transaction commits (flush only)."""
    from lms.standards.service import request_forwarding

    request_forwarding()


def on_course_completed(course_id: int, *, user, **_) -> None:
    """Queue the completion score for the platforms whose links brought the member here."""
    from lms.standards.lti_scores import queue_scores

    queue_scores(course_id, user.id)


def _transaction_ended(session: Session, _transaction) -> None:
    """Any end, savepoints included: a later event queues again rather than trust a mark
    whose job row may have been rolled back with a savepoint."""
    from lms.standards.service import transaction_ended

    transaction_ended(session)
