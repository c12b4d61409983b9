"""Media operations: simple uploads, resumable multipart uploads, and reading content.

Every function takes the acting user, checks what they may do, flushes and
never commits. An upload becomes ``ready`` only after its bytes are in the
store with the declared size, their first bytes match the claimed type, and
(for audio and video) PyAV has read a duration from them. A refused upload is
kept as ``failed`` with its reason, its bytes deleted: callers commit before
re-raising ``UploadFailed`` so the reason survives the error response.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath
from typing import Any, BinaryIO

from flask import current_app
from sqlalchemy import select

from lms.accounts.models import User
from lms.accounts.service import require_instructor
from lms.errors import BadRequest, DomainError, NotFound, TooLarge, UnsupportedType, ValidationError
from lms.extensions import db, utcnow
from lms.media import captions, probe
from lms.media.access import can_view, register_access_check, unregister_access_check
from lms.media.models import MediaAsset
from lms.media.storecalls import derived_key, store
from lms.storage import (
    MAX_PARTS,
    MIN_PART_SIZE,
    MultipartError,
    ObjectInfo,
    ObjectNotFound,
    PartInfo,
    PartTarget,
    get_storage,
    new_key,
)

__all__ = ["can_view", "register_access_check", "unregister_access_check"]

#: Captions are read whole to convert them; nobody writes 5 MiB of subtitles.
MAX_CAPTIONS_BYTES = 5 * 1024 * 1024
MAX_NAME = 255


class UploadFailed(DomainError):
    """The upload was refused after its bytes were stored; the asset is now ``failed``."""

    status = 400
    title = "Upload refused"


class ContentMismatch(UploadFailed):
    status = 415
    title = "Unsupported type"


# --- simple uploads --------------------------------------------------------------------


def upload_file(
    actor: User | None, filename: str, claimed_type: str | None, stream: BinaryIO
) -> MediaAsset:
    """Store a small file sent through the app, check it and mark it ready.

    Raises Unauthorized, Forbidden (not an instructor), ValidationError (no name),
    UnsupportedType (type not allowed or bytes not matching it), BadRequest
    (empty), TooLarge, UploadFailed (duration unreadable; asset kept as failed),
    Unavailable (the store does not answer).
    """
    uploader = require_instructor(actor)
    name = clean_filename(filename)
    kind = allowed_type(name, claimed_type)
    head = stream.read(probe.HEAD_BYTES)
    if not head:
        raise BadRequest("The file is empty.")
    if not probe.matches(kind.content_type, head):
        raise UnsupportedType(mismatch_message(kind))
    asset = _new_asset(uploader, name, kind, size=0)
    body: BinaryIO = _Prepended(head, stream)
    with store():
        info = get_storage().save(asset.storage_key, body, kind.content_type)
    asset.size = info.size
    if info.size > max_upload_bytes():
        _discard(asset)
        raise TooLarge(too_large_message())
    _finish(asset, info)
    return asset


# --- multipart uploads -----------------------------------------------------------------


def start_upload(
    actor: User | None, filename: str, claimed_type: str | None, size: Any
) -> MediaAsset:
    """Begin a multipart upload of ``size`` bytes; parts go straight to the store.

    Raises Unauthorized, Forbidden, ValidationError (name or size), TooLarge,
    UnsupportedType, Unavailable.
    """
    uploader = require_instructor(actor)
    name = clean_filename(filename)
    kind = allowed_type(name, claimed_type)
    size = _declared_size(size, kind)
    asset = _new_asset(uploader, name, kind, size=size)
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
    """Join the parts, check size, type and duration, and mark the asset ready.

    A missing part or a wrong total size is refused with BadRequest and leaves
    the upload pending (the uploader may send the part and retry). Raises
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
        _fail(asset, f"The stored file holds {info.size} bytes, not the {asset.size} declared.")
    with store():
        head = get_storage().read_range(asset.storage_key, 0, probe.HEAD_BYTES - 1)
    kind = probe.TYPES[asset.content_type]
    if not probe.matches(kind.content_type, head):
        _fail(asset, mismatch_message(kind), ContentMismatch)
    _finish(asset, info)
    return asset


def abort_upload(actor: User | None, media_id: int) -> None:
    """Cancel the caller's pending (or failed) upload: parts, object and row go.

    Raises Unauthorized, Forbidden, NotFound, BadRequest (already ready), Unavailable.
    """
    asset = _own_upload(actor, media_id)
    if asset.status == "ready":
        raise BadRequest("This upload is complete; it can no longer be cancelled.")
    _remove(asset)


# --- reading ---------------------------------------------------------------------------


def get_content(actor: User | None, media_id: int) -> MediaAsset:
    """A ready asset whose content ``actor`` may read.

    Raises NotFound (missing, not ready, or not visible to the caller).
    """
    asset = db.session.get(MediaAsset, media_id)
    if asset is None or not asset.is_ready or not can_view(actor, asset):
        raise NotFound("No such media.")
    return asset


def download_url(asset: MediaAsset, *, inline: bool = True) -> str | None:
    """A short-lived URL of the store serving the asset, or None when the app serves it."""
    with store():
        return get_storage().download_url(
            asset.storage_key, asset.original_name, asset.content_type, inline=inline
        )


def open_content(asset: MediaAsset) -> tuple[BinaryIO, ObjectInfo]:
    """The asset's bytes as a stream (the caller closes it) and their metadata.

    Raises NotFound (bytes missing from the store), Unavailable.
    """
    storage = get_storage()
    with store():
        info = storage.head(asset.storage_key)
        if info is None:
            raise NotFound("The file of this media is missing from the store.")
        return storage.open(asset.storage_key), info


def library(actor: User | None, limit: int = 200) -> list[MediaAsset]:
    """The actor's own uploads, newest first. Raises Unauthorized, Forbidden."""
    user = require_instructor(actor)
    query = (
        select(MediaAsset)
        .where(MediaAsset.uploader_id == user.id)
        .order_by(MediaAsset.created_at.desc(), MediaAsset.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(query).scalars())


def check_may_upload(actor: User | None) -> User:
    """Raises Unauthorized or Forbidden unless the actor may upload."""
    return require_instructor(actor)


# --- rules -----------------------------------------------------------------------------


def max_upload_bytes() -> int:
    return int(current_app.config["MAX_UPLOAD_BYTES"])


def too_large_message() -> str:
    return f"Files can be at most {human_size(max_upload_bytes())}."


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


def mismatch_message(kind: probe.FileType) -> str:
    return (
        f"The file's contents are not {kind.content_type}, the type it was sent as. "
        "Check you chose the right file."
    )


def allowed_type(filename: str, claimed_type: str | None) -> probe.FileType:
    """The allowed type of an upload. Raises UnsupportedType."""
    kind = probe.resolve_type(filename, claimed_type)
    if kind is None:
        raise UnsupportedType(
            f"{claimed_type or 'That type'} is not accepted. Upload MP4 or WebM video, MP3 or M4A "
            "audio, PDF or PowerPoint (PPTX) slides, WebVTT or SRT captions, or PNG or JPEG images."
        )
    return kind


def clean_filename(filename: Any) -> str:
    """The file's base name without control characters; metadata only, never a key."""
    if not isinstance(filename, str):
        filename = ""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in base if ch.isprintable()).strip()
    if not name:
        raise ValidationError("Give the file's name.", errors={"filename": ["Required."]})
    if len(name) > MAX_NAME:
        stem, suffix = PurePosixPath(name).stem, PurePosixPath(name).suffix[:16]
        name = stem[: MAX_NAME - len(suffix)] + suffix
    return name


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


# --- steps -----------------------------------------------------------------------------


def _new_asset(uploader: User, name: str, kind: probe.FileType, size: int) -> MediaAsset:
    asset = MediaAsset(
        storage_backend=get_storage().name,
        storage_key=new_key("media"),
        original_name=name,
        content_type=kind.content_type,
        kind=kind.kind,
        size=size,
        status="pending",
        uploader_id=uploader.id,
    )
    db.session.add(asset)
    return asset


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


def _finish(asset: MediaAsset, info: ObjectInfo) -> None:
    """Convert SRT captions, read the duration of audio and video, mark ready."""
    if asset.content_type == probe.SRT:
        info = _convert_captions(asset)
    if probe.TYPES[asset.content_type].timed:
        _read_duration(asset)
    asset.size = info.size
    asset.checksum = info.checksum
    asset.status = "ready"
    asset.failure_reason = None
    asset.ready_at = utcnow()
    db.session.flush()


def _convert_captions(asset: MediaAsset) -> ObjectInfo:
    """Store the WebVTT version next to the SRT original, which is then deleted."""
    storage = get_storage()
    with store():
        with storage.open(asset.storage_key) as handle:
            data = handle.read(MAX_CAPTIONS_BYTES + 1)
        if len(data) > MAX_CAPTIONS_BYTES:
            _fail(asset, f"Caption files can be at most {human_size(MAX_CAPTIONS_BYTES)}.")
        vtt = captions.srt_to_vtt(captions.decode_text(data)).encode("utf-8")
        key = derived_key(asset.storage_key, 2)
        info = storage.save(key, io.BytesIO(vtt), probe.VTT)
        storage.delete(asset.storage_key)
    asset.storage_key = key
    asset.content_type = probe.VTT
    asset.original_name = str(PurePosixPath(asset.original_name).with_suffix(".vtt"))
    return info


def _read_duration(asset: MediaAsset) -> None:
    """PyAV reads the stored file: a presigned URL for S3, an open file locally."""
    storage = get_storage()
    with store():
        url = storage.download_url(
            asset.storage_key, asset.original_name, asset.content_type, inline=True
        )
        source: Any = url or storage.open(asset.storage_key)
    try:
        asset.duration_seconds = probe.read_duration(source)
    except probe.ProbeError:
        with store():
            storage.head(asset.storage_key)  # the store itself failing is a 503, not bad media
        _fail(
            asset,
            f"We could not read this {asset.kind} file, so it cannot be played. "
            "Export it again as MP4 (H.264/AAC), WebM, MP3 or M4A and upload that.",
        )
    finally:
        if not isinstance(source, str):
            source.close()
    asset.duration_source = "pyav"


def _fail(asset: MediaAsset, reason: str, error: type[UploadFailed] = UploadFailed) -> None:
    """Mark the asset failed, delete its bytes, and raise ``error``."""
    _discard(asset)
    asset.status = "failed"
    asset.failure_reason = reason[:500]
    asset.upload_id = None
    db.session.flush()
    raise error(reason)


def _discard(asset: MediaAsset) -> None:
    with store():
        get_storage().delete(asset.storage_key)


def _remove(asset: MediaAsset) -> None:
    """Abort the asset's multipart upload, delete its object and its row."""
    storage = get_storage()
    with store():
        if asset.upload_id:
            storage.abort_multipart(asset.storage_key, asset.upload_id)
        storage.delete(asset.storage_key)
    db.session.delete(asset)
    db.session.flush()


def remove_stale(assets: Iterable[MediaAsset]) -> None:
    """Remove pending uploads nobody finished (used by ``lms storage gc``)."""
    for asset in assets:
        _remove(asset)


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
