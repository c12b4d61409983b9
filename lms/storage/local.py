"""Objects as files under one folder (the default, single-machine backend).

Layout under the root: objects at their key's path, metadata beside them in
``.meta/<key>.json``, writes in progress in ``.tmp/`` (renamed into place when
complete) and multipart uploads in ``.uploads/<upload_id>/``. Keys can never
start with a dot, so none of these can be named by a key.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from lms.storage.base import (
    MIN_PART_SIZE,
    Digests,
    ListedObject,
    ObjectInfo,
    PartInfo,
    PartTarget,
    Storage,
    UploadInfo,
    check_part_number,
    copy_stream,
    sorted_parts,
    strip_etag,
)
from lms.storage.errors import (
    InvalidKey,
    MultipartError,
    ObjectNotFound,
    StorageError,
    StorageUnavailable,
)
from lms.storage.keys import KEY_PATTERN, validate_key, validate_upload_id

DEFAULT_CONTENT_TYPE = "application/octet-stream"


@contextmanager
def _os_errors(action: str) -> Iterator[None]:
    """Missing files become ObjectNotFound; any other OS failure means unavailable."""
    try:
        yield
    except StorageError:
        raise
    except FileNotFoundError as exc:
        raise ObjectNotFound(f"{action}: not found") from exc
    except OSError as exc:
        raise StorageUnavailable(f"{action}: media folder not usable ({exc.strerror})") from exc


class LocalStorage(Storage):
    name = "local"

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    # -- objects ---------------------------------------------------------------

    def save(self, key: str, stream: BinaryIO, content_type: str) -> ObjectInfo:
        target = self._path(key)
        with _os_errors(f"save {key}"):
            digests = Digests()
            with self._temp_file() as (tmp, handle):
                copy_stream(stream, handle, digests)
                handle.close()
                self._move_into_place(tmp, target)
            info = ObjectInfo(
                key,
                digests.size,
                digests.md5.hexdigest(),
                content_type,
                digests.sha256.hexdigest(),
            )
            self._write_meta(info)
            return info

    def open(self, key: str) -> BinaryIO:
        with _os_errors(f"open {key}"):
            return self._path(key).open("rb")

    def read_range(self, key: str, start: int, end: int) -> bytes:
        if start < 0 or end < start:
            raise StorageError(f"invalid byte range {start}-{end}")
        with self.open(key) as handle, _os_errors(f"read {key}"):
            handle.seek(start)
            return handle.read(end - start + 1)

    def head(self, key: str) -> ObjectInfo | None:
        path = self._path(key)
        with _os_errors(f"head {key}"):
            try:
                stat = path.stat()
            except FileNotFoundError:
                return None
            meta = self._read_meta(key)
        etag = meta.get("etag") or f"{stat.st_size:x}-{stat.st_mtime_ns:x}"
        content_type = meta.get("content_type") or DEFAULT_CONTENT_TYPE
        return ObjectInfo(key, stat.st_size, etag, content_type, meta.get("checksum"))

    def list_objects(self, prefix: str = "") -> Iterator[ListedObject]:
        with _os_errors("list objects"):
            keys = sorted(key for key in self._walk_keys() if key.startswith(prefix))
        for key in keys:
            try:
                info = self.head(key)
            except InvalidKey:  # a symlink out of the folder is no object of ours
                continue
            if info is not None:  # None: deleted since the walk
                yield ListedObject(key, info.size, info.etag)

    def delete(self, key: str) -> None:
        path = self._path(key)
        with _os_errors(f"delete {key}"):
            path.unlink(missing_ok=True)
            self._meta_path(key).unlink(missing_ok=True)
        self._prune_dirs(path.parent)
        self._prune_dirs(self._meta_path(key).parent)

    def download_url(
        self, key: str, filename: str, content_type: str, *, inline: bool
    ) -> str | None:
        validate_key(key)
        return None

    # -- multipart -------------------------------------------------------------

    def create_multipart(self, key: str, content_type: str) -> str:
        validate_key(key)
        upload_id = uuid.uuid4().hex
        meta = {
            "key": key,
            "content_type": content_type,
            "initiated": datetime.now(UTC).isoformat(),
        }
        with _os_errors(f"create upload for {key}"):
            folder = self._upload_dir(upload_id)
            folder.mkdir(parents=True)
            (folder / "upload.json").write_text(json.dumps(meta), encoding="utf-8")
        return upload_id

    def part_target(self, key: str, upload_id: str, number: int) -> PartTarget | None:
        """None: the browser PUTs to the app's part endpoint, which calls ``put_part``."""
        self._upload_meta(key, upload_id)
        check_part_number(number)
        return None

    def put_part(self, key: str, upload_id: str, number: int, stream: BinaryIO) -> str:
        folder = self._upload_dir(upload_id)
        self._upload_meta(key, upload_id)
        check_part_number(number)
        with _os_errors(f"store part {number} of {key}"):
            digests = Digests()
            with self._temp_file() as (tmp, handle):
                copy_stream(stream, handle, digests)
                handle.close()
                etag = digests.md5.hexdigest()
                for old in folder.glob(f"{number:05d}.*"):
                    old.unlink(missing_ok=True)
                os.replace(tmp, folder / f"{number:05d}.{etag}")
        return etag

    def list_parts(self, key: str, upload_id: str) -> list[PartInfo]:
        self._upload_meta(key, upload_id)
        with _os_errors(f"list parts of {key}"):
            return sorted(self._parts(upload_id).values())

    def complete_multipart(
        self, key: str, upload_id: str, parts: Sequence[tuple[int, str]]
    ) -> ObjectInfo:
        meta = self._upload_meta(key, upload_id)
        ordered = sorted_parts(parts)
        stored = self._parts(upload_id)
        _check_parts(ordered, stored)
        with _os_errors(f"complete {key}"):
            digests = Digests()
            with self._temp_file() as (tmp, handle):
                for number, _ in ordered:
                    with self._part_path(upload_id, stored[number]).open("rb") as part:
                        copy_stream(part, handle, digests)
                handle.close()
                self._move_into_place(tmp, self._path(key))
            info = ObjectInfo(
                key,
                digests.size,
                _multipart_etag([etag for _, etag in ordered]),
                meta["content_type"],
                digests.sha256.hexdigest(),
            )
            self._write_meta(info)
            shutil.rmtree(self._upload_dir(upload_id))
        return info

    def abort_multipart(self, key: str, upload_id: str) -> None:
        try:
            self._upload_meta(key, upload_id)
        except ObjectNotFound:
            return
        with _os_errors(f"abort upload of {key}"):
            shutil.rmtree(self._upload_dir(upload_id), ignore_errors=True)

    def list_multipart_uploads(self, older_than: datetime) -> list[UploadInfo]:
        uploads = []
        with _os_errors("list uploads"):
            for meta_file in sorted((self.root / ".uploads").glob("*/upload.json")):
                meta = json.loads(meta_file.read_text(encoding="utf-8"))
                initiated = datetime.fromisoformat(meta["initiated"])
                if initiated < older_than:
                    uploads.append(UploadInfo(meta["key"], meta_file.parent.name, initiated))
        return uploads

    def ensure_bucket(self, cors_origins: Sequence[str]) -> None:
        """Create the folders; the app serves local media itself, so CORS does not apply."""
        with _os_errors("create media folder"):
            for sub in (".meta", ".tmp", ".uploads"):
                (self.root / sub).mkdir(parents=True, exist_ok=True)

    # -- paths and metadata ----------------------------------------------------

    def _path(self, key: str) -> Path:
        return self._inside(self.root / validate_key(key))

    def _meta_path(self, key: str) -> Path:
        return self._inside(self.root / ".meta" / f"{validate_key(key)}.json")

    def _upload_dir(self, upload_id: str) -> Path:
        return self._inside(self.root / ".uploads" / validate_upload_id(upload_id))

    def _part_path(self, upload_id: str, part: PartInfo) -> Path:
        return self._upload_dir(upload_id) / f"{part.number:05d}.{part.etag}"

    def _inside(self, path: Path) -> Path:
        """Refuse any path that resolves outside the root (e.g. through a symlink)."""
        resolved = path.resolve()
        if not resolved.is_relative_to(self.root):
            raise InvalidKey(f"path escapes the media folder: {path}")
        return resolved

    @contextmanager
    def _temp_file(self) -> Iterator[tuple[Path, BinaryIO]]:
        """A scratch file in ``.tmp/``, removed unless it was moved into place."""
        folder = self.root / ".tmp"
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / uuid.uuid4().hex
        try:
            with tmp.open("wb") as handle:
                yield tmp, handle
        finally:
            tmp.unlink(missing_ok=True)

    def _move_into_place(self, tmp: Path, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)

    def _write_meta(self, info: ObjectInfo) -> None:
        path = self._meta_path(info.key)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"content_type": info.content_type, "etag": info.etag, "checksum": info.checksum}
        path.write_text(json.dumps(meta), encoding="utf-8")

    def _read_meta(self, key: str) -> dict[str, str]:
        try:
            return json.loads(self._meta_path(key).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def _upload_meta(self, key: str, upload_id: str) -> dict[str, str]:
        """The upload's metadata; ObjectNotFound unless it exists and belongs to ``key``."""
        path = self._upload_dir(upload_id) / "upload.json"
        with _os_errors(f"upload {upload_id}"):
            meta = json.loads(path.read_text(encoding="utf-8"))
        if meta["key"] != validate_key(key):
            raise ObjectNotFound(f"upload {upload_id} does not belong to {key}")
        return meta

    def _parts(self, upload_id: str) -> dict[int, PartInfo]:
        parts = {}
        for path in self._upload_dir(upload_id).glob("[0-9][0-9][0-9][0-9][0-9].*"):
            number, etag = path.name.split(".", 1)
            parts[int(number)] = PartInfo(int(number), etag, path.stat().st_size)
        return parts

    def _walk_keys(self) -> Iterator[str]:
        """Files named like keys; dot folders (metadata, scratch, uploads) hold none."""
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = [name for name in dirs if not name.startswith(".")]
            base = Path(folder).relative_to(self.root)
            for name in files:
                key = (base / name).as_posix()
                if KEY_PATTERN.fullmatch(key):
                    yield key

    def _prune_dirs(self, folder: Path) -> None:
        """Remove empty folders left by a delete, up to (not including) the root."""
        while folder != self.root and folder.is_relative_to(self.root):
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent


def _check_parts(ordered: list[tuple[int, str]], stored: dict[int, PartInfo]) -> None:
    """Same rules as S3: every part stored with that etag, all but the last >= 5 MiB."""
    for number, etag in ordered:
        part = stored.get(number)
        if part is None or part.etag != strip_etag(etag):
            raise MultipartError(f"part {number} is missing or its etag does not match")
        if number != len(ordered) and part.size < MIN_PART_SIZE:
            raise MultipartError(f"part {number} is smaller than {MIN_PART_SIZE} bytes")


def _multipart_etag(part_etags: list[str]) -> str:
    """S3's etag of a multipart object: md5 of the parts' binary md5s, dash, count."""
    joined = b"".join(bytes.fromhex(etag) for etag in part_etags)
    return f"{hashlib.md5(joined, usedforsecurity=False).hexdigest()}-{len(part_etags)}"
