"""How a worker takes messages from Redis: the next one as soon as a thread is free,
and one heavy job at a time (tests/perf/reports/jobs.md)."""

from __future__ import annotations

import threading
import time

from lms import jobs
from lms.certificates.backissue import BACK_ISSUE_JOB, BACK_ISSUE_PART_JOB
from lms.extensions import db
from lms.jobs.queue import HEAVY_QUEUE_NAME, QUEUE_NAME, get_queue
from lms.jobs.registry import is_heavy


def _consumer(broker_app, queue_name: str, prefetch: int, timeout_ms: int):
    queue = get_queue(broker_app)
    queue.broker.declare_queue(queue_name)
    return queue, queue.broker.consume(queue_name, prefetch=prefetch, timeout=timeout_ms)


def _next_message(consumer, within: float):
    """What the consumer thread would hand a worker thread next, or None."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        message = next(consumer)
        if message is not None:
            return message
    return None


def test_a_thread_that_finishes_a_job_gets_the_next_message_at_once(broker_app):
    """Holding all it may prefetch, Dramatiq's consumer slept a backoff that grows to
    the worker's timeout; this one takes the next message once the first is acked."""
    queue, consumer = _consumer(broker_app, QUEUE_NAME, prefetch=1, timeout_ms=2000)
    try:
        queue.actor.send(1, None)
        queue.actor.send(2, None)
        first = _next_message(consumer, 5)
        assert first is not None and first.args[0] == 1
        # Busy for 1 s: the consumer waits, fetching nothing more meanwhile.
        acked_at = []

        def finish() -> None:
            time.sleep(1)
            acked_at.append(time.monotonic())
            consumer.ack(first)

        threading.Thread(target=finish).start()
        second = _next_message(consumer, 5)
        taken = time.monotonic() - acked_at[0]
        assert second is not None and second.args[0] == 2
        assert taken < 0.08, f"the next message came {taken:.3f} s after the ack"
        consumer.ack(second)
    finally:
        consumer.close()


def test_a_worker_holds_one_heavy_message_at_a_time(broker_app):
    """A back-issue renders PDFs on the interpreter for seconds: a second one in the
    same worker would only take turns with it, while another worker idles."""
    assert is_heavy(BACK_ISSUE_JOB) and is_heavy(BACK_ISSUE_PART_JOB)
    assert not is_heavy("mail.send")
    queue, consumer = _consumer(broker_app, HEAVY_QUEUE_NAME, prefetch=4, timeout_ms=100)
    try:
        for job_id in (1, 2, 3):
            queue.heavy_actor.send(job_id, None)
        first = _next_message(consumer, 5)
        assert first is not None and first.args[0] == 1
        assert _next_message(consumer, 0.5) is None  # two more wait for another worker
        assert queue.depth() == 2
        consumer.ack(first)
        second = _next_message(consumer, 5)
        assert second is not None and second.args[0] == 2
        consumer.ack(second)
    finally:
        consumer.close()


def test_jobs_go_to_the_queue_their_task_asks_for(broker_app):
    queue = get_queue(broker_app)
    client, namespace = queue.broker.client, queue.broker.namespace
    with broker_app.app_context():
        jobs.enqueue("mail.send", to="ana@example.org", subject="Hello", body="Welcome.")
        jobs.enqueue(BACK_ISSUE_PART_JOB, course_id=1, acting_id=1, member_ids=[1, 2])
        jobs.enqueue(BACK_ISSUE_PART_JOB, course_id=1, acting_id=1, member_ids=[3, 4])
        db.session.commit()
        queue.flush()
    assert (client.llen(f"{namespace}:{QUEUE_NAME}"),
            client.llen(f"{namespace}:{HEAVY_QUEUE_NAME}")) == (1, 2)
    assert queue.depth() == 3


def test_a_starting_worker_loads_the_certificate_fonts_before_its_first_job():
    """Parsing them took the first back-issue in a fresh worker ~0.7 s more CPU."""
    from lms.certificates.text import BOLD, FALLBACKS, REGULAR, load_font
    from lms.jobs.registry import WARM_UPS

    load_font.cache_clear()
    for warm in WARM_UPS:
        warm()
    assert load_font.cache_info().currsize == len({REGULAR, BOLD, *FALLBACKS})
