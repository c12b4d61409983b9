"""Calling the storage layer from media: one translation of its failures into HTTP terms."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from lms.errors import Unavailable
from lms.storage import StorageError, validate_key

log = logging.getLogger("lms.media")

STORE_DOWN = "The file store is not answering; please try again in a minute."


@contextmanager
def store() -> Iterator[None]:
    """Any storage failure left uncaught by the caller becomes a 503 "try again".

    Callers catch the errors they expect (ObjectNotFound, MultipartError) inside
    the block; what reaches here means the store is down or refusing us.
    """
    try:
        yield
    except StorageError as exc:
        log.warning("storage failure: %s", exc, exc_info=not exc.unavailable)
        raise Unavailable(STORE_DOWN) from exc


def derived_key(key: str, n: int) -> str:
    """The key of file ``n`` derived from the same upload (``media/<uuid>/n``)."""
    return validate_key(f"{key.rsplit('/', 1)[0]}/{n}")
