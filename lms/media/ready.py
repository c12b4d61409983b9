"""The last steps of every upload: a new pending asset, then ready or failed.

An upload becomes ``ready`` once its bytes are in the store, checked, and SRT
captions have been converted to WebVTT. The duration of audio and video is read
by PyAV: within the request for a small file sent through the app, by a job
(:data:`DURATION_JOB`) for a multipart upload, whose file may be gigabytes in the
store. A refused upload is kept as ``failed`` with its reason, its bytes
deleted. Flushes, never commits (the job commits what it found).
"""

from __future__ import annotations

import io
import logging
from pathlib import PurePosixPath
from typing import Any

from lms import jobs
from lms.accounts.models import User
from lms.errors import Unavailable
from lms.extensions import db, utcnow
from lms.media import captions, probe, renditions
from lms.media.models import MediaAsset
from lms.media.rules import MAX_CAPTIONS_BYTES, UploadFailed, human_size
from lms.media.storecalls import derived_key, store
from lms.storage import ObjectInfo, get_storage, new_key

DURATION_JOB = "media.read_duration"
log = logging.getLogger("lms.media")


def new_asset(uploader: User, name: str, kind: probe.FileType, size: int) -> MediaAsset:
    """A pending asset of ``uploader`` under a fresh storage key (never the file's name)."""
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


def finish(asset: MediaAsset, info: ObjectInfo, *, duration_later: bool = False) -> None:
    """Convert SRT captions, read the duration of audio and video, mark ready.

    With ``duration_later`` the asset is ready at once and a job reads the
    duration after the commit (``duration_seconds`` stays None until then).
    """
    if asset.content_type == probe.SRT:
        info = _convert_captions(asset)
    timed = probe.TYPES[asset.content_type].timed
    if timed and not duration_later:
        _read_duration(asset)
    asset.size = info.size
    asset.checksum = info.checksum
    asset.status = "ready"
    asset.failure_reason = None
    asset.ready_at = utcnow()
    db.session.flush()
    if timed and duration_later:
        jobs.enqueue(DURATION_JOB, key=f"media-duration:{asset.id}", media_id=asset.id)
    renditions.queue_renditions(asset)


def duration_pending(media_id: int) -> bool:
    """True while a job has yet to read the length of ``media_id``."""
    from sqlalchemy import select

    from lms.jobs.models import Job

    status = db.session.scalar(select(Job.status).where(Job.key == f"media-duration:{media_id}"))
    return status in ("queued", "running")


@jobs.task(DURATION_JOB, max_attempts=6)
def read_duration_later(media_id: int) -> None:
    """The job: read the duration of an upload marked ready by its request.

    A file PyAV cannot read is then marked ``failed`` (its bytes deleted), as a
    small upload would have been at once; a store that does not answer is
    tried again later. Nothing is done twice: an asset that has its duration,
    or is no longer ready, is left alone.
    """
    asset = db.session.get(MediaAsset, media_id)
    if asset is None or asset.status != "ready" or asset.duration_seconds is not None:
        return
    try:
        _read_duration(asset)
    except UploadFailed as exc:
        log.warning("media %s refused after upload: %s", media_id, exc)
    except Unavailable as exc:
        raise jobs.TransientError(f"the store did not answer for media {media_id}") from exc
    db.session.commit()


def _convert_captions(asset: MediaAsset) -> ObjectInfo:
    """Store the WebVTT version next to the SRT original, which is then deleted."""
    storage = get_storage()
    with store():
        with storage.open(asset.storage_key) as handle:
            data = handle.read(MAX_CAPTIONS_BYTES + 1)
        if len(data) > MAX_CAPTIONS_BYTES:
            fail(asset, f"Caption files can be at most {human_size(MAX_CAPTIONS_BYTES)}.")
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
        fail(
            asset,
            f"We could not read this {asset.kind} file, so it cannot be played. "
            "Export it again as MP4 (H.264/AAC), WebM, MP3 or M4A and upload that.",
        )
    finally:
        if not isinstance(source, str):
            source.close()
    asset.duration_source = "pyav"


def fail(asset: MediaAsset, reason: str, error: type[UploadFailed] = UploadFailed) -> None:
    """Mark the asset failed, delete its bytes, and raise ``error``."""
    discard(asset)
    asset.status = "failed"
    asset.failure_reason = reason[:500]
    asset.upload_id = None
    db.session.flush()
    raise error(reason)


def discard(asset: MediaAsset) -> None:
    """Delete the asset's bytes and its renditions from the store. Raises Unavailable."""
    with store():
        get_storage().delete(asset.storage_key)
    if asset.kind == "video":
        renditions.delete_renditions(asset)
