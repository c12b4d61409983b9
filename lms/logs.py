"""Logging, configured in one place: one line per record on stderr, JSON or text.

Every line carries the id of the request it was logged in (``request_id``) and,
inside a background job, the job's id (``job_id``), read from context variables
when the line is written: a line logged deep inside a service needs no argument
to be tied to its request. The request id comes from a sane ``X-Request-ID``
header (a proxy's or load balancer's) or is made here; it goes back in the
``X-Request-ID`` response header and on the 500 page.

``LOG_FORMAT`` ``json`` (production) or ``text`` (development) installs the
handler on the root logger; unset (the tests) leaves logging as it is found, so
pytest's ``caplog`` sees records untouched. Logging is process state: the last
app built in a process decides its format.
"""

from __future__ import annotations

import logging
import re
import secrets
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, Response, g, request
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import inspect

REQUEST_ID: ContextVar[str | None] = ContextVar("lms_request_id", default=None)
JOB_ID: ContextVar[int | None] = ContextVar("lms_job_id", default=None)
HEADER = "X-Request-ID"
#: An incoming id is kept only when it is short and plain: it is written to every line.
SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")

access_log = logging.getLogger("lms.access")


def init_app(app: Flask) -> None:
    """Register the request-id hooks (first, so every later hook's lines carry the id)."""
    log_format = app.config.get("LOG_FORMAT")
    if log_format:
        configure(log_format, app.config.get("LOG_LEVEL") or "INFO")
    app.before_request(start_request)
    app.after_request(finish_request)
    app.teardown_request(end_request)


def current_request_id() -> str | None:
    return REQUEST_ID.get()


def new_request_id() -> str:
    return secrets.token_hex(8)


def start_request() -> None:
    incoming = request.headers.get(HEADER)
    request_id = incoming if incoming and SANE_ID.fullmatch(incoming) else new_request_id()
    g.lms_request_token = REQUEST_ID.set(request_id)
    g.lms_started = time.perf_counter()


def finish_request(response: Response) -> Response:
    """Send the id back and write the access line (method, path, status, ms, member)."""
    request_id = REQUEST_ID.get()
    if request_id:
        response.headers[HEADER] = request_id
    if access_log.isEnabledFor(logging.INFO):
        started = g.get("lms_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 2) if started else None
        path = _loggable_path()
        access_log.info("%s %s %s", request.method, path, response.status_code,
                        extra={"method": request.method, "path": path,
                               "status": response.status_code, "duration_ms": duration_ms,
                               "user_id": _user_id()})
    return response


#: URL parts that are secrets (a password-reset link): never written to a log.
SECRET_URL_PARTS = ("token",)


def _loggable_path() -> str:
    """The path without its query string, secret parts replaced."""
    path = request.path
    for name in SECRET_URL_PARTS:
        secret = (request.view_args or {}).get(name)
        if secret:
            path = path.replace(str(secret), "[secret]")
    return path


def end_request(_exc: BaseException | None) -> None:
    """Forget the id, so a worker thread's next request (or idle lines) cannot inherit it."""
    token = g.pop("lms_request_token", None)
    if token is not None:
        REQUEST_ID.reset(token)


def _user_id() -> int | None:
    """The signed-in member's id, without loading the member (or refreshing an expired one)."""
    user = g.get("_login_user")
    state = inspect(user, raiseerr=False) if user is not None else None
    identity = state.identity if state is not None else None
    return identity[0] if identity else None


@contextmanager
def job_context(job_id: int, request_id: str | None = None) -> Iterator[None]:
    """Lines logged inside the block carry ``job_id`` (and the queuing request's id)."""
    job_token = JOB_ID.set(job_id)
    request_token = REQUEST_ID.set(request_id) if request_id else None
    try:
        yield
    finally:
        if request_token is not None:
            REQUEST_ID.reset(request_token)
        JOB_ID.reset(job_token)


# --- handler and formats ------------------------------------------------------

class ContextFilter(logging.Filter):
    """Stamps each record with the current request and job ids."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        record.job_id = JOB_ID.get()
        return True


class JsonLines(JsonFormatter):
    """One JSON object per line; ids that do not apply are left out rather than null."""

    def __init__(self) -> None:
        super().__init__("{asctime}{levelname}{name}{message}{process}", style="{",
                         rename_fields={"asctime": "time", "levelname": "level",
                                        "name": "logger", "process": "pid"})

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        return f"{stamp}.{int(record.msecs):03d}Z"

    def process_log_record(self, log_data: dict) -> dict:
        return {key: value for key, value in log_data.items() if value is not None}


class TextLines(logging.Formatter):
    """``time level logger [request job] message`` for people reading a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(ids)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        ids = [getattr(record, "request_id", None) or "-"]
        job_id = getattr(record, "job_id", None)
        if job_id is not None:
            ids.append(f"job {job_id}")
        record.ids = " ".join(ids)
        return super().format(record)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is now (a replaced stream, as pytest does)."""

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(ContextFilter())

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


FORMATS = {"json": JsonLines, "text": TextLines}


def configure(log_format: str, level: str = "INFO") -> logging.Handler:
    """Install (or replace) this module's handler on the root logger; ``lms`` logs at ``level``."""
    from flask.logging import default_handler

    if log_format not in FORMATS:
        raise RuntimeError(f"LMS_LOG_FORMAT must be json or text, not {log_format!r}")
    root = logging.getLogger()
    remove_handler()
    handler = StderrHandler()
    handler.setFormatter(FORMATS[log_format]())
    root.addHandler(handler)
    lms_logger = logging.getLogger("lms")
    lms_logger.setLevel(level.upper())
    lms_logger.removeHandler(default_handler)  # Flask's own, added if app.logger came first
    return handler


def remove_handler() -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, StderrHandler):
            root.removeHandler(handler)


def reset() -> None:
    """Undo :func:`configure` (tests that built an app with a log format)."""
    remove_handler()
    logging.getLogger("lms").setLevel(logging.NOTSET)
