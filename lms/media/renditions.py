"""Streaming renditions of uploaded videos, made by a job after the upload is ready.

The original stays playable (and the course publishable) whatever happens here:
renditions only add an HLS ladder, an audio-only variant, an audio file to
download and a poster. The job is safe to run again: it first deletes what an
earlier, interrupted run left under the asset's rendition prefix. A file ffmpeg
cannot read fails for good with its reason (staff may retry); a store that does
not answer or a transcode past its time limit is retried by the queue.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, select, update

from lms import jobs
from lms.accounts.models import User
from lms.errors import Conflict, DomainError, NotFound, Unauthorized, Unavailable
from lms.extensions import db
from lms.media import transcode
from lms.media.models import MediaAsset, MediaRendition
from lms.media.storecalls import store
from lms.storage import get_storage, validate_key

RENDITIONS_JOB = "media.make_renditions"
log = logging.getLogger("lms.media")

CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4a": "audio/mp4",
    ".jpg": "image/jpeg",
}


class RenditionsFailed(DomainError):
    """The video cannot be transcoded (a corrupt or unusual file): not retried."""

    status = 422
    title = "Renditions failed"


def wanted(asset: MediaAsset) -> bool:
    """Videos get renditions when the setting allows and ffmpeg is installed."""
    return (asset.kind == "video" and bool(current_app.config.get("MEDIA_RENDITIONS", True))
            and transcode.ffmpeg_available())


def queue_renditions(asset: MediaAsset, *, again: bool = False) -> None:
    """Queue the renditions job of a ready video (once; ``again`` for a retry)."""
    if not wanted(asset):
        return
    asset.renditions_status = "queued"
    asset.renditions_percent = 0
    asset.renditions_error = None
    db.session.flush()
    key = f"media-renditions:{asset.id}" + (f":{uuid.uuid4().hex[:12]}" if again else "")
    jobs.enqueue(RENDITIONS_JOB, key=key, media_id=asset.id)


def retry(actor: User | None, media_id: int) -> MediaAsset:
    """Staff (admins and the uploader) queue the renditions of a failed video again.

    Raises Unauthorized, NotFound (also for anyone else), Conflict (not failed, or
    renditions turned off).
    """
    if actor is None:
        raise Unauthorized("Log in to retry.")
    asset = db.session.get(MediaAsset, media_id)
    mine = asset is not None and (actor.is_admin or asset.uploader_id == actor.id)
    if not mine or asset.kind != "video":
        raise NotFound("No such video.")  # others may not learn that it exists
    if not asset.is_ready or asset.renditions_status != "failed":
        raise Conflict("Only failed renditions of a ready video can be retried.")
    if not wanted(asset):
        raise Conflict("This server makes no renditions (ffmpeg missing or turned off).")
    queue_renditions(asset, again=True)
    return asset


@jobs.task(RENDITIONS_JOB, max_attempts=3)
def make_renditions(media_id: int) -> None:
    """The job: transcode the stored original and store every rendition."""
    asset = db.session.get(MediaAsset, media_id)
    if asset is None or not asset.is_ready or asset.renditions_status in (None, "ready"):
        return
    asset.renditions_status, asset.renditions_percent = "processing", 0
    delete_renditions(asset)  # whatever a killed run left behind
    db.session.commit()
    work = Path(tempfile.mkdtemp(prefix="lms-renditions-"))
    try:
        source = _fetch_original(asset, work / "source")
        out = work / "out"
        out.mkdir()
        config = current_app.config
        try:
            _info, variants = transcode.make_renditions(
                source, out, preset=config["MEDIA_X264_PRESET"],
                time_limit=config["MEDIA_TRANSCODE_SECONDS"],
                progress=lambda done: _report(media_id, done))
        except transcode.TranscodeTimeout as exc:
            raise jobs.TransientError(str(exc)) from exc
        except transcode.TranscodeError as exc:
            _give_up(asset, f"The video could not be converted for streaming: {exc}")
        source.unlink()
        rows = _store_outputs(asset, out, variants)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    asset = db.session.get(MediaAsset, media_id, populate_existing=True)
    db.session.add_all(rows)
    asset.renditions_status, asset.renditions_percent = "ready", 100
    asset.renditions_error = None
    db.session.commit()
    log.info("media %s: %d renditions stored", media_id, len(rows))


def delete_renditions(asset: MediaAsset) -> None:
    """Delete the rendition rows and every object under the asset's rendition prefix.

    Raises Unavailable (store down: nothing deleted from the database).
    """
    storage = get_storage()
    with store():
        for listed in list(storage.list_objects(asset.rendition_prefix + "/")):
            storage.delete(listed.key)
    db.session.execute(delete(MediaRendition).where(MediaRendition.media_id == asset.id))
    db.session.expire(asset, ["renditions"])


@dataclass(frozen=True)
class StorageUse:
    """Bytes in the store: the uploaded files and the renditions made from them."""

    originals: int
    renditions: int

    @property
    def total(self) -> int:
        return self.originals + self.renditions


def storage_use(media_ids: Iterable[int]) -> StorageUse:
    """What the given assets (a course's recordings, slides, captions) take in the store."""
    ids = sorted({i for i in media_ids if i is not None})
    if not ids:
        return StorageUse(0, 0)
    originals = db.session.scalar(
        select(func.coalesce(func.sum(MediaAsset.size), 0)).where(MediaAsset.id.in_(ids)))
    made = db.session.scalar(
        select(func.coalesce(func.sum(MediaRendition.size), 0))
        .where(MediaRendition.media_id.in_(ids)))
    return StorageUse(int(originals or 0), int(made or 0))


def public_status(asset: MediaAsset) -> str:
    """API.md's status: a ready video is "processing" until its renditions are made."""
    if asset.status != "ready":
        return asset.status
    if asset.renditions_status in ("queued", "processing"):
        return "processing"
    return "failed" if asset.renditions_status == "failed" else "ready"


def _fetch_original(asset: MediaAsset, target: Path) -> Path:
    try:
        with store(), get_storage().open(asset.storage_key) as stream, target.open("wb") as out:
            shutil.copyfileobj(stream, out, 1024 * 1024)
    except Unavailable as exc:
        raise jobs.TransientError(f"the store did not give media {asset.id}") from exc
    return target


def _report(media_id: int, done: float) -> None:
    """Record the percentage done (its own commit, so instructors see it move)."""
    db.session.execute(update(MediaAsset).where(MediaAsset.id == media_id)
                       .values(renditions_percent=int(done * 100))
                       .execution_options(synchronize_session=False))
    db.session.commit()


def _give_up(asset: MediaAsset, reason: str) -> None:
    asset = db.session.get(MediaAsset, asset.id, populate_existing=True)
    asset.renditions_status, asset.renditions_error = "failed", reason[:500]
    db.session.commit()
    log.warning("media %s: %s", asset.id, reason)
    raise RenditionsFailed(reason)


def _store_outputs(asset: MediaAsset, out: Path,
                   variants: list[transcode.Variant]) -> list[MediaRendition]:
    """Upload every file made, and describe the variants and files as rows."""
    prefix = asset.rendition_prefix
    storage = get_storage()
    sizes: dict[str, int] = {}
    try:
        with store():
            for path in sorted(p for p in out.rglob("*") if p.is_file()):
                relative = path.relative_to(out).as_posix()
                key = validate_key(f"{prefix}/{relative}")
                with path.open("rb") as handle:
                    info = storage.save(key, handle, CONTENT_TYPES[path.suffix])
                top = relative.split("/", 1)[0]
                sizes[top] = sizes.get(top, 0) + info.size
    except Unavailable as exc:
        raise jobs.TransientError(f"the store did not take the renditions of {asset.id}") from exc
    rows = [MediaRendition(
        media_id=asset.id, kind=v.kind, name=v.name, height=v.height, width=v.width,
        bitrate=v.bitrate, codecs=v.codecs, size=sizes.get(v.name, 0),
        storage_key=f"{prefix}/{v.name}/{transcode.PLAYLIST}",
        playlist=(out / v.name / transcode.PLAYLIST).read_text()) for v in variants]
    for kind, name in (("m4a", transcode.AUDIO_FILE), ("poster", transcode.POSTER_FILE)):
        if name in sizes:
            rows.append(MediaRendition(media_id=asset.id, kind=kind, name=name,
                                       storage_key=f"{prefix}/{name}", size=sizes[name]))
    return rows
