"""Storage for media and PDFs: one interface, a local-folder and an S3 backend.

The only module in ``lms`` that imports boto3 or touches the media folder.
Domains call ``get_storage()`` and catch ``StorageError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app

from lms.storage.base import (
    MAX_PARTS,
    MIN_PART_SIZE,
    ListedObject,
    ObjectInfo,
    PartInfo,
    PartTarget,
    Storage,
    UploadInfo,
)
from lms.storage.disposition import content_disposition
from lms.storage.errors import (
    InvalidKey,
    MultipartError,
    ObjectNotFound,
    StorageError,
    StorageUnavailable,
)
from lms.storage.keys import new_key, validate_key

__all__ = [
    "MAX_PARTS",
    "MIN_PART_SIZE",
    "InvalidKey",
    "ListedObject",
    "MultipartError",
    "ObjectInfo",
    "ObjectNotFound",
    "PartInfo",
    "PartTarget",
    "Storage",
    "StorageError",
    "StorageUnavailable",
    "UploadInfo",
    "build_storage",
    "content_disposition",
    "get_storage",
    "new_key",
    "validate_key",
]

EXTENSION_KEY = "lms_storage"


def build_storage(config: Mapping[str, Any]) -> Storage:
    """The backend named by ``STORAGE`` ("local" or "s3"), configured from ``config``."""
    kind = (config.get("STORAGE") or "local").lower()
    if kind == "local":
        return _local(config)
    if kind == "s3":
        return _s3(config)
    raise StorageError(f"unknown STORAGE {kind!r}: use 'local' or 's3'")


def get_storage() -> Storage:
    """The current app's storage, built on first use and kept in ``app.extensions``."""
    extensions = current_app.extensions
    if EXTENSION_KEY not in extensions:
        extensions.setdefault(EXTENSION_KEY, build_storage(current_app.config))
    return extensions[EXTENSION_KEY]


def _local(config: Mapping[str, Any]) -> Storage:
    from lms.storage.local import LocalStorage

    if not config.get("MEDIA_DIR"):
        raise StorageError("MEDIA_DIR is not set")
    return LocalStorage(config["MEDIA_DIR"])


def _s3(config: Mapping[str, Any]) -> Storage:
    from lms.storage.s3 import S3Storage

    if not config.get("S3_BUCKET"):
        raise StorageError("S3_BUCKET is not set")
    return S3Storage(
        config["S3_BUCKET"],
        endpoint_url=config.get("S3_ENDPOINT_URL") or None,
        region=config.get("S3_REGION") or None,
        presign_seconds=int(config.get("S3_PRESIGN_SECONDS") or 900),
    )
