"""Resumable multipart uploads: the browser sends parts straight to the store.

Start declares the size and gets a part size; each part goes to a presigned
URL (S3) or the app's own part endpoint (local); complete joins the parts and
runs the same checks as a simple upload. Every function takes the acting user,
flushes and never commits.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, BinaryIO

from lms.accounts.models import User
from lms.accounts.service import require_instructor
from lms.errors import BadRequest, NotFound, TooLarge, ValidationError
from lms.extensions import db
from lms.media import probe
from lms.media.models import MediaAsset
from lms.media.ready import fail, finish, new_asset
from lms.media.rules import (
    MAX_CAPTIONS_BYTES,
    ContentMismatch,
    allowed_type,
    clean_filename,
    human_size,
    max_upload_bytes,
    mismatch_message,
    too_large_message,
)
from lms.media.storecalls import store
from lms.storage import (
    MAX_PARTS,
    MIN_PART_SIZE,
    MultipartError,
    ObjectInfo,
    ObjectNotFound,
    PartInfo,
    PartTarget,
    get_storage,
)


def start_upload(
    actor: User | None, filename: str, claimed_type: str | None, size: Any
) -> MediaAsset:
    """Begin a multipart upload of ``size`` bytes; parts go straight to the store.

    Raises Unauthorized, Forbidden, ValidationError (name or size), TooLarge,
    UnsupportedType, Unavailable.
    """
    uploader = require_instructor(actor)
    name = clean_filename(filename)
    if claimed_type is not None and not isinstance(claimed_type, str):
        raise ValidationError("Give the content type as text.",
                              errors={"content_type": ["Must be text, e.g. video/mp4."]})
    kind = allowed_type(name, claimed_type)
    size = _declared_size(size, kind)
    asset = new_asset(uploader, name, kind, size=size)
    asset.part_size = part_size_for(size)
    asset.part_count = max(1, math.ceil(size / asset.part_size))
    with store():
        asset.upload_id = get_storage().create_multipart(asset.storage_key, kind.content_type)
    db.session.flush()
    return asset


def part_target(actor: User | None, media_id: int, number: int) -> PartTarget | None:
    """Where the uploader PUTs part ``number``; None means the app's own part endpoint.

    Raises Unauthorized, Forbidden (members), NotFound (not the caller's pending
    upload), BadRequest (part number), Unavailable.
    """
    asset = _pending_upload(actor, media_id)
    _check_part_number(asset, number)
    with store():
        return get_storage().part_target(asset.storage_key, asset.upload_id, number)


def store_part(
    actor: User | None, media_id: int, number: int, stream: BinaryIO, length: int | None
) -> str:
    """Store part ``number`` sent to the app itself (local mode); returns its etag.

    Raises Unauthorized, Forbidden, NotFound, BadRequest (part number, or a
    backend whose parts go straight to the store), TooLarge (over the part
    size), Unavailable.
    """
    asset = _pending_upload(actor, media_id)
    _check_part_number(asset, number)
    if length is not None and length > asset.part_size:
        raise TooLarge(f"A part holds at most {asset.part_size} bytes.")
    storage = get_storage()
    with store():
        if storage.part_target(asset.storage_key, asset.upload_id, number) is not None:
            raise BadRequest("Send this part to the URL given by POST .../parts/{n}.")
        return storage.put_part(asset.storage_key, asset.upload_id, number, stream)


def upload_status(actor: User | None, media_id: int) -> tuple[MediaAsset, list[PartInfo]]:
    """The caller's upload and, while pending, the parts already stored (to resume).

    Raises Unauthorized, Forbidden, NotFound, Unavailable.
    """
    asset = _own_upload(actor, media_id)
    if asset.status != "pending" or not asset.upload_id:
        return asset, []
    with store():
        try:
            return asset, get_storage().list_parts(asset.storage_key, asset.upload_id)
        except ObjectNotFound:
            return asset, []


def complete_upload(actor: User | None, media_id: int, parts: Any) -> MediaAsset:
    """Join the parts, check size and type, and mark the asset ready.

    The duration of audio and video is read by a job once this commits: PyAV
    may have to read far into a multi-gigabyte object. A missing part or a wrong
    total size is refused with BadRequest and leaves the upload pending (the
    uploader may send the part and retry). Raises
    Unauthorized, Forbidden, NotFound, BadRequest, UploadFailed / ContentMismatch
    (asset kept as failed), Unavailable (nothing marked ready).
    """
    asset = _own_upload(actor, media_id)
    if asset.status == "ready":
        return asset
    if asset.status == "failed":
        raise BadRequest(asset.failure_reason or "This upload failed; upload the file again.")
    listed = _parse_parts(parts, asset.part_count or 0)
    info = _complete_in_store(asset, listed)
    asset.upload_id = None
    if info.size != asset.size:
        fail(asset, f"The stored file holds {info.size} bytes, not the {asset.size} declared.")
    with store():
        head = get_storage().read_range(asset.storage_key, 0, probe.HEAD_BYTES - 1)
    kind = probe.TYPES[asset.content_type]
    if not probe.matches(kind.content_type, head):
        fail(asset, mismatch_message(kind), ContentMismatch)
    finish(asset, info, duration_later=True)
    return asset


def abort_upload(actor: User | None, media_id: int) -> None:
    """Cancel the caller's pending (or failed) upload: parts, object and row go.

    Raises Unauthorized, Forbidden, NotFound, BadRequest (already ready), Unavailable.
    """
    asset = _own_upload(actor, media_id)
    if asset.status == "ready":
        raise BadRequest("This upload is complete; it can no longer be cancelled.")
    _remove(asset)


def remove_stale(assets: Iterable[MediaAsset]) -> None:
    """Remove pending uploads nobody finished (used by ``lms storage gc``)."""
    for asset in assets:
        _remove(asset)


def part_size_for(size: int) -> int:
    """5 MiB parts, larger (whole MiB) when 10,000 of them would not hold the file."""
    mib = 1024 * 1024
    needed = math.ceil(size / MAX_PARTS / mib) * mib
    return max(MIN_PART_SIZE, needed)


def _declared_size(size: Any, kind: probe.FileType) -> int:
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValidationError(
            "Give the file's size.",
            errors={"size": ["Must be a whole number of bytes, at least 1."]},
        )
    if size > max_upload_bytes():
        raise TooLarge(too_large_message())
    if kind.kind == "captions" and size > MAX_CAPTIONS_BYTES:
        raise TooLarge(f"Caption files can be at most {human_size(MAX_CAPTIONS_BYTES)}.")
    return size


def _check_part_number(asset: MediaAsset, number: int) -> None:
    if not 1 <= number <= (asset.part_count or 0):
        raise BadRequest(f"Part numbers of this upload run from 1 to {asset.part_count}.")


def _parse_parts(parts: Any, part_count: int) -> list[tuple[int, str]]:
    """``[{number, etag}]`` covering exactly 1..part_count. Raises BadRequest."""
    if not isinstance(parts, list) or not all(_part_shape(p) for p in parts):
        raise BadRequest(
            "parts must be a list of {number, etag}.",
            errors={"parts": ["Each part needs a whole number and an etag."]},
        )
    listed = {p["number"]: p["etag"] for p in parts}
    missing = sorted(set(range(1, part_count + 1)) - listed.keys())
    unknown = sorted(listed.keys() - set(range(1, part_count + 1)))
    if missing or unknown or len(listed) != len(parts):
        detail = (
            f"Parts missing: {_numbers(missing)}."
            if missing
            else "Each part from 1 to the part count must be listed exactly once."
        )
        raise BadRequest(detail, errors={"parts": [detail]})
    return sorted(listed.items())


def _part_shape(part: Any) -> bool:
    return (
        isinstance(part, dict)
        and isinstance(part.get("number"), int)
        and not isinstance(part.get("number"), bool)
        and isinstance(part.get("etag"), str)
        and bool(part["etag"].strip())
    )


def _numbers(numbers: Sequence[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:20])
    return shown + (" …" if len(numbers) > 20 else "")


def _pending_upload(actor: User | None, media_id: int) -> MediaAsset:
    asset = _own_upload(actor, media_id)
    if asset.status != "pending" or not asset.upload_id:
        raise BadRequest("This upload is no longer accepting parts.")
    return asset


def _own_upload(actor: User | None, media_id: int) -> MediaAsset:
    """The caller's own upload: members get 403, anyone else's upload is a 404."""
    user = require_instructor(actor)
    asset = db.session.get(MediaAsset, media_id)
    if asset is None or asset.uploader_id != user.id:
        raise NotFound("No such upload.")
    return asset


def _complete_in_store(asset: MediaAsset, listed: list[tuple[int, str]]) -> ObjectInfo:
    """Check the stored parts add up to the declared size, then join them.

    A retry after the store already joined them (the answer was lost) finds the
    object instead of the upload, and goes on with it.
    """
    storage = get_storage()
    with store():
        try:
            stored = {p.number: p for p in storage.list_parts(asset.storage_key, asset.upload_id)}
        except ObjectNotFound:
            return _already_joined(asset)
        _check_stored(asset, listed, stored)
        try:
            return storage.complete_multipart(asset.storage_key, asset.upload_id, listed)
        except MultipartError as exc:
            raise BadRequest(f"The parts could not be joined: {exc}") from exc


def _check_stored(
    asset: MediaAsset, listed: list[tuple[int, str]], stored: dict[int, PartInfo]
) -> None:
    missing = [number for number, _ in listed if number not in stored]
    if missing:
        detail = f"Parts missing: {_numbers(missing)} not received by the store."
        raise BadRequest(detail, errors={"parts": [detail]})
    total = sum(stored[number].size for number, _ in listed)
    if total != asset.size:
        detail = f"The parts hold {total} bytes, but the upload declared {asset.size}."
        raise BadRequest(detail, errors={"parts": [detail]})


def _already_joined(asset: MediaAsset) -> ObjectInfo:
    info = get_storage().head(asset.storage_key)
    if info is None:
        raise NotFound("This upload no longer exists in the store; start it again.")
    return info


def _remove(asset: MediaAsset) -> None:
    """Abort the asset's multipart upload, delete its object and its row."""
    storage = get_storage()
    with store():
        if asset.upload_id:
            storage.abort_multipart(asset.storage_key, asset.upload_id)
        storage.delete(asset.storage_key)
    db.session.delete(asset)
    db.session.flush()
