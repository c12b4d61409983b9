"""Media operations: the simple upload through the app, and an instructor's library.

Every function takes the acting user, checks what they may do, flushes and
never commits. A refused upload is kept as ``failed`` with its reason: callers
commit before re-raising ``UploadFailed`` so the reason survives the error
response. The resumable multipart flow is in ``uploads``, reading content in
``content``; the checks they share are in ``rules`` and ``ready``.
"""

from __future__ import annotations

import io
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.accounts.service import require_instructor
from lms.errors import BadRequest, TooLarge, Unauthorized, UnsupportedType
from lms.extensions import db
from lms.media import probe
from lms.media.access import can_view, register_access_check, unregister_access_check
from lms.media.models import MediaAsset
from lms.media.ready import discard, finish, new_asset
from lms.media.rules import (
    ContentMismatch,
    UploadFailed,
    allowed_type,
    clean_filename,
    human_size,
    max_upload_bytes,
    mismatch_message,
    too_large_message,
)
from lms.media.storecalls import store
from lms.storage import get_storage

#: Imported by other modules from here: the access hooks, the upload errors and checks.
__all__ = [
    "ContentMismatch",
    "UploadFailed",
    "allowed_type",
    "can_view",
    "clean_filename",
    "human_size",
    "register_access_check",
    "unregister_access_check",
]


def upload_file(
    actor: User | None, filename: str, claimed_type: str | None, stream: BinaryIO
) -> MediaAsset:
    """Store a small file sent through the app, check it and mark it ready.

    Raises Unauthorized, Forbidden (not an instructor), ValidationError (no name),
    UnsupportedType (type not allowed or bytes not matching it), BadRequest
    (empty), TooLarge, UploadFailed (duration unreadable; asset kept as failed),
    Unavailable (the store does not answer).
    """
    return _store_upload(require_instructor(actor), filename, claimed_type, stream)


#: What a member may upload as evidence of credit earned elsewhere.
EVIDENCE_KINDS = frozenset({"pdf", "image"})


def upload_evidence(
    actor: User | None, filename: str, claimed_type: str | None, stream: BinaryIO
) -> MediaAsset:
    """Any member's PDF or image (evidence of a credit): stored like any upload and
    readable only by its uploader and staff (no course uses it, so no access hook
    lets anyone else in).

    Raises Unauthorized, UnsupportedType (not a PDF, PNG or JPEG) and what
    :func:`upload_file` raises.
    """
    if actor is None:
        raise Unauthorized("Log in to upload evidence.")
    if allowed_type(clean_filename(filename), claimed_type).kind not in EVIDENCE_KINDS:
        raise UnsupportedType("Evidence must be a PDF, PNG or JPEG file.")
    return _store_upload(actor, filename, claimed_type, stream)


def _store_upload(
    uploader: User, filename: str, claimed_type: str | None, stream: BinaryIO
) -> MediaAsset:
    name = clean_filename(filename)
    kind = allowed_type(name, claimed_type)
    head = stream.read(probe.HEAD_BYTES)
    if not head:
        raise BadRequest("The file is empty.")
    if not probe.matches(kind.content_type, head):
        raise UnsupportedType(mismatch_message(kind))
    asset = new_asset(uploader, name, kind, size=0)
    body: BinaryIO = _Prepended(head, stream)
    with store():
        info = get_storage().save(asset.storage_key, body, kind.content_type)
    asset.size = info.size
    if info.size > max_upload_bytes():
        discard(asset)
        raise TooLarge(too_large_message())
    finish(asset, info)
    return asset


def library(actor: User | None, limit: int = 200) -> list[MediaAsset]:
    """The actor's own uploads, newest first. Raises Unauthorized, Forbidden."""
    user = require_instructor(actor)
    query = (
        select(MediaAsset)
        .options(selectinload(MediaAsset.renditions))
        .where(MediaAsset.uploader_id == user.id)
        .order_by(MediaAsset.created_at.desc(), MediaAsset.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(query).scalars())


def check_may_upload(actor: User | None) -> User:
    """Raises Unauthorized or Forbidden unless the actor may upload."""
    return require_instructor(actor)


class _Prepended:
    """The bytes already read to check the type, then the rest of the stream.

    Reads return full chunks until the end, as boto3 expects of a file.
    """

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = io.BytesIO(head)
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return self._head.read() + self._rest.read()
        chunk = self._head.read(size)
        while len(chunk) < size:
            more = self._rest.read(size - len(chunk))
            if not more:
                break
            chunk += more
        return chunk
