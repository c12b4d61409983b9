"""The tasks jobs can run, by name; each domain registers its own with :func:`task`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class TransientError(Exception):
    """A failure that may pass (a server that is down): the job is tried again later."""


@dataclass(frozen=True)
class Task:
    name: str
    function: Callable[..., Any]
    max_attempts: int
    #: Runs on the Python interpreter for long (rendering PDFs in bulk): see :func:`task`.
    heavy: bool = False


TASKS: dict[str, Task] = {}


def task(name: str, *, max_attempts: int = 8, heavy: bool = False):
    """Register the decorated function as the task ``name`` (its keyword arguments are JSON).

    A ``heavy`` task keeps the interpreter busy for long stretches (hundreds of PDFs):
    each worker process runs one at a time, beside its lighter jobs. Two at once in
    one process take turns on its one interpreter lock, finishing no sooner than one
    after the other, while a second worker could have taken one of them.
    """
    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        TASKS[name] = Task(name, function, max_attempts, heavy)
        return function
    return register


def is_heavy(name: str) -> bool:
    """Whether the task ``name`` is heavy (an unknown name is not)."""
    found = TASKS.get(name)
    return found is not None and found.heavy


def get_task(name: str) -> Task:
    try:
        return TASKS[name]
    except KeyError:
        raise LookupError(f"no task named {name!r} is registered") from None


#: Run once as a worker starts (:func:`warm_up`).
WARM_UPS: list[Callable[[], None]] = []


def warm_up(function: Callable[[], None]) -> Callable[[], None]:
    """Register ``function`` to run as a worker starts, before it takes a job.

    For what a task loads on its first run in a process (a certificate's fonts: about
    0.7 s of CPU), so that run is no slower than the next, whichever worker takes it.
    """
    WARM_UPS.append(function)
    return function
