"""Media of a package import: reuse what the course already holds, upload only new bytes.

A file is identified by the SHA-256 of its bytes (the checksum storage records),
so importing the same package twice uploads nothing the second time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select

from lms.accounts.models import User
from lms.catalog.models import Caption, Course, Item, Module
from lms.extensions import db, utcnow
from lms.media import service as media_service
from lms.media.models import MediaAsset
from lms.media.storecalls import store
from lms.packages import scorm
from lms.packages.files import FileRef
from lms.storage import get_storage, new_key

CHUNK = 1024 * 1024


def checksum(ref: FileRef) -> str:
    digest = hashlib.sha256()
    with ref.open() as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def course_assets(course: Course | None) -> list[MediaAsset]:
    """Every ready asset the course's items use (recordings, slides, captions)."""
    if course is None or course.id is None:
        return []
    items = select(Item.id).join(Module).where(Module.course_id == course.id)
    ids = set(db.session.execute(
        select(Item.media_id).where(Item.id.in_(items))).scalars())
    ids |= set(db.session.execute(
        select(Item.slides_media_id).where(Item.id.in_(items))).scalars())
    ids |= set(db.session.execute(
        select(Caption.media_id).where(Caption.item_id.in_(items))).scalars())
    ids.discard(None)
    if not ids:
        return []
    return list(db.session.execute(select(MediaAsset).where(
        MediaAsset.id.in_(ids), MediaAsset.status == "ready")).scalars())


@dataclass
class MediaSync:
    """Finds or uploads the asset of each package file, recording what it uploads.

    With ``dry_run`` nothing reaches storage: a row stands in for each new file
    (the caller rolls the whole preview back).
    """

    actor: User
    files: dict[str, FileRef]
    dry_run: bool = False
    uploaded: list[str] = field(default_factory=list)
    _by_checksum: dict[str, MediaAsset] = field(default_factory=dict)
    _by_name: dict[str, MediaAsset] = field(default_factory=dict)
    _stored: list[str] = field(default_factory=list)

    def know(self, assets: list[MediaAsset]) -> None:
        for asset in assets:
            if asset.checksum:
                self._by_checksum.setdefault(asset.checksum, asset)

    def asset(self, name: str) -> MediaAsset:
        """The asset holding ``media/<name>``. Raises the media service's errors."""
        if name in self._by_name:
            return self._by_name[name]
        ref = self.files[name]
        digest = checksum(ref)
        asset = self._by_checksum.get(digest)
        if asset is None:
            asset = self._stand_in(name, ref, digest) if self.dry_run else self._upload(name, ref)
            self._by_checksum[digest] = asset
            self.uploaded.append(f"media/{name} ({ref.size:,} bytes)")
        self._by_name[name] = asset
        return asset

    def _upload(self, name: str, ref: FileRef) -> MediaAsset:
        with ref.open() as stream:
            asset = media_service.upload_file(self.actor, name, None, stream)
        self._stored.append(asset.storage_key)
        return asset

    def discard_uploads(self) -> None:
        """Delete what this import stored, after it failed (its rows are rolled back)."""
        storage = get_storage()
        for key in self._stored:
            with store():
                storage.delete(key)
        self._stored.clear()

    def _stand_in(self, name: str, ref: FileRef, digest: str) -> MediaAsset:
        kind = media_service.allowed_type(name, None)
        asset = MediaAsset(storage_backend=get_storage().name, storage_key=new_key("media"),
                           original_name=name, content_type=kind.content_type, kind=kind.kind,
                           size=ref.size, checksum=digest, status="ready",
                           uploader_id=self.actor.id, ready_at=utcnow())
        db.session.add(asset)
        db.session.flush()
        if asset.kind == "package":
            with ref.open() as stream:
                scorm.stand_in(asset, stream)
        return asset
