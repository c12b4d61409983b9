"""Background jobs: slow or external work runs outside the request that causes it.

A job is a row in ``job`` (what to run, with which arguments, how it went) and,
when ``LMS_BROKER_URL`` names a Redis or RabbitMQ server, a Dramatiq message that
a worker (``flask --app wsgi lms worker``) picks up. Dramatiq acknowledges a
message only after its job ran, so a job lost with a killed worker is delivered
again, and it retries failures with exponential backoff. The row makes a second
delivery harmless: a job already done is skipped, and each task is written so
that running it twice changes nothing the first run did not.

Without a broker, jobs run in this process on a background thread once their
transaction has committed (``JOBS_EAGER`` runs them at once instead, for tests).

A worker (``cli.py``) runs Dramatiq's threads on two queues: ``lms`` for light jobs,
a message ahead per thread, and ``lms-heavy`` for tasks registered ``heavy=True``, one
at a time per process (they hold the interpreter lock; workers share them instead).
Its Redis consumer takes the next message as soon as a thread acks one, and polls an
empty queue every ``JOB_POLL_MS`` at most; ``warm_up`` functions run as it starts.
Running a job costs two commits: the claim (one ``UPDATE … RETURNING`` that also
reads what the run needs) and the outcome.

Infrastructure leaf like ``storage``: it imports no domain. Domains register
their tasks with :func:`task` and queue them with :func:`enqueue`.
"""

from lms.jobs.registry import TransientError, task, warm_up
from lms.jobs.service import (
    WAIT_FOR_PARTS,
    count_for_parent,
    current_job,
    enqueue,
    latest_job,
    report_progress,
)

__all__ = ["WAIT_FOR_PARTS", "TransientError", "count_for_parent", "current_job", "enqueue",
           "latest_job", "report_progress", "task", "warm_up"]
