"""Real worker processes (``flask lms worker``) against this machine's Redis, for tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def new_namespace() -> str:
    """A Redis key prefix of its own, so test runs sharing one Redis never meet."""
    return f"lms-test-{uuid.uuid4().hex[:12]}"


def worker_environment(app, namespace: str, **extra: str) -> dict[str, str]:
    """What a worker needs to share ``app``'s database, media folder, mail server and queue."""
    config = app.config
    env = {key: value for key, value in os.environ.items() if not key.startswith("LMS_")}
    env.update({
        "LMS_DATABASE_URL": str(config["SQLALCHEMY_DATABASE_URI"]),
        "LMS_MEDIA_DIR": str(config["MEDIA_DIR"]),
        "LMS_INSTANCE_PATH": str(Path(config["MEDIA_DIR"]).parent),
        "LMS_BROKER_URL": REDIS_URL,
        "LMS_JOBS_NAMESPACE": namespace,
        "LMS_JOB_MIN_BACKOFF_MS": "200",
        "LMS_JOB_MAX_BACKOFF_MS": "2000",
        "LMS_JOB_HEARTBEAT_TIMEOUT_MS": "3000",
        "LMS_JOB_MAINTENANCE_CHANCE": "1000000",
        "LMS_BASE_URL": str(config["BASE_URL"]),
        "PYTHONUNBUFFERED": "1",
    })
    if config.get("MAIL_SERVER"):
        env.update(LMS_MAIL_SERVER=str(config["MAIL_SERVER"]),
                   LMS_MAIL_PORT=str(config["MAIL_PORT"]))
    env.update(extra)
    return env


class Worker:
    """One ``flask --app wsgi lms worker`` process."""

    def __init__(self, env: dict[str, str], threads: int = 2, *extra: str) -> None:
        # A file, not a pipe: a pipe nobody reads fills up and blocks the worker's logging.
        self.log = tempfile.NamedTemporaryFile(prefix="lms-worker-", suffix=".log")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "lms", "worker",
             "--threads", str(threads), *extra],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.log,
            start_new_session=True)
        self._wait_until_started()

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def _wait_until_started(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "worker:" in self.output():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the worker did not start:\n{self.output()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL: the worker dies mid-job, acknowledging nothing."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.log.close()


@contextmanager
def running_worker(env: dict[str, str], threads: int = 2):
    worker = Worker(env, threads)
    try:
        yield worker
    finally:
        worker.stop()


def wait_until(condition: Callable[[], object], timeout: float = 60, every: float = 0.1,
               what: str = "the condition") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def clear_namespace(namespace: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{namespace}*"))
    if keys:
        client.delete(*keys)
    client.close()
