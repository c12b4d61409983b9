"""Fields of ``PATCH /api/v1/me`` that higher domains own (the directory's, say).

Accounts cannot import the domains above it, so they register here from their
``receivers.connect()``: ``update(user, body)`` applies the fields it owns (and
raises ValidationError for bad ones); ``describe(user)`` adds them to ``GET /me``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lms.accounts.models import User


@dataclass(frozen=True)
class ProfileFields:
    names: tuple[str, ...]
    update: Callable[[User, dict[str, Any]], None]
    describe: Callable[[User], dict[str, Any]]


_registered: dict[tuple[str, ...], ProfileFields] = {}


def register(fields: ProfileFields) -> None:
    """Add ``fields`` (once, however often apps are created)."""
    _registered[fields.names] = fields


def update_all(user: User, data: dict[str, Any]) -> None:
    for fields in _registered.values():
        if any(name in data for name in fields.names):
            fields.update(user, data)


def describe_all(user: User) -> dict[str, Any]:
    described: dict[str, Any] = {}
    for fields in _registered.values():
        described |= fields.describe(user)
    return described
