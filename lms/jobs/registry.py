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


TASKS: dict[str, Task] = {}


def task(name: str, *, max_attempts: int = 8):
    """Register the decorated function as the task ``name`` (its keyword arguments are JSON)."""
    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        TASKS[name] = Task(name, function, max_attempts)
        return function
    return register


def get_task(name: str) -> Task:
    try:
        return TASKS[name]
    except KeyError:
        raise LookupError(f"no task named {name!r} is registered") from None
