"""Exceptions raised by every storage backend.

Callers catch ``StorageError``; ``unavailable`` tells "the store did not answer"
(the app answers 503 and marks nothing ready) apart from a request the store
refused.
"""

from __future__ import annotations


class StorageError(Exception):
    """A storage operation failed; raised ``from`` the low-level exception."""

    #: True when the store is unreachable or broken, so retrying later may work.
    unavailable: bool = False


class StorageUnavailable(StorageError):
    """The object store could not be reached, timed out, or failed on its side."""

    unavailable = True


class ObjectNotFound(StorageError):
    """No object (or no multipart upload) exists under that key or upload id."""


class InvalidKey(StorageError, ValueError):
    """A key or upload id that does not match the strict pattern of our own keys."""


class MultipartError(StorageError):
    """A multipart upload cannot complete: a part is missing, unknown or too small."""
