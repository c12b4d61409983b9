"""The storage interface shared by the local folder and S3 backends.

Both backends keep the same contract, proved by one parametrised test suite:
keys come from ``new_key``; etags are plain strings without quotes; byte ranges
are inclusive like HTTP ``Range``; multipart parts are numbered 1..N and every
part but the last holds at least ``MIN_PART_SIZE`` bytes.
"""

from __future__ import annotations

import hashlib
import io
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO, NamedTuple

from lms.storage.errors import MultipartError, StorageError
from lms.storage.keys import new_key

CHUNK_SIZE = 256 * 1024
#: S3's floor for every part but the last; the local backend enforces it too.
MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PARTS = 10_000


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    etag: str
    content_type: str
    #: SHA-256 hex digest, when the backend saw every byte (``save``; local multipart).
    checksum: str | None = None


@dataclass(frozen=True)
class PartTarget:
    """Where the browser PUTs one part; the ``ETag`` response header is its etag."""

    url: str
    method: str = "PUT"
    headers: dict[str, str] = field(default_factory=dict)


class PartInfo(NamedTuple):
    number: int
    etag: str
    size: int


class UploadInfo(NamedTuple):
    key: str
    upload_id: str
    initiated: datetime


class ListedObject(NamedTuple):
    """One stored object as a listing sees it (no content type: S3 listings omit it)."""

    key: str
    size: int
    etag: str


class Storage(ABC):
    """Objects by key, streamed in and out, plus multipart uploads."""

    name: str

    @abstractmethod
    def save(self, key: str, stream: BinaryIO, content_type: str) -> ObjectInfo:
        """Store ``stream`` under ``key`` chunk by chunk; the result has size and sha256."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A readable stream of the object; the caller closes it. Raises ObjectNotFound."""

    @abstractmethod
    def read_range(self, key: str, start: int, end: int) -> bytes:
        """Bytes ``start..end`` inclusive, cut short at the end of the object."""

    @abstractmethod
    def head(self, key: str) -> ObjectInfo | None:
        """The object's metadata, or None when it does not exist."""

    @abstractmethod
    def list_objects(self, prefix: str = "") -> Iterator[ListedObject]:
        """Every object whose key starts with ``prefix``, in key order, read lazily.

        Unfinished multipart uploads are not objects and are not listed.
        """

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing object is not an error."""

    @abstractmethod
    def download_url(
        self, key: str, filename: str, content_type: str, *, inline: bool
    ) -> str | None:
        """A short-lived URL serving the object, or None when the app must serve it."""

    def presigned_gets(self, keys: Sequence[str]) -> list[str] | None:
        """Short-lived URLs of many objects at once, or None when the app serves them."""
        return None

    @abstractmethod
    def create_multipart(self, key: str, content_type: str) -> str:
        """Start a multipart upload to ``key``; returns its upload id."""

    @abstractmethod
    def part_target(self, key: str, upload_id: str, number: int) -> PartTarget | None:
        """Where part ``number`` goes; None means the app's own part endpoint (``put_part``)."""

    @abstractmethod
    def put_part(self, key: str, upload_id: str, number: int, stream: BinaryIO) -> str:
        """Store one part received by the app itself; returns its etag."""

    @abstractmethod
    def list_parts(self, key: str, upload_id: str) -> list[PartInfo]:
        """Parts stored so far, by number; raises ObjectNotFound for an unknown upload."""

    @abstractmethod
    def complete_multipart(
        self, key: str, upload_id: str, parts: Sequence[tuple[int, str]]
    ) -> ObjectInfo:
        """Join parts 1..N into the object; raises MultipartError if any is wrong."""

    @abstractmethod
    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Drop the upload and its parts; aborting an unknown upload is not an error."""

    @abstractmethod
    def list_multipart_uploads(self, older_than: datetime) -> list[UploadInfo]:
        """Unfinished uploads initiated before ``older_than`` (timezone-aware)."""

    @abstractmethod
    def ensure_bucket(self, cors_origins: Sequence[str]) -> None:
        """Create the bucket or folder, allowing browser PUT/GET from ``cors_origins``."""

    def check(self) -> None:
        """Raise StorageError unless a probe object can be written, read and deleted."""
        key = new_key("health")
        payload = b"ok"
        self.save(key, io.BytesIO(payload), "text/plain")
        try:
            if self.read_range(key, 0, len(payload) - 1) != payload:
                raise StorageError("storage check read back different bytes")
        finally:
            self.delete(key)


class Digests:
    """SHA-256 (our checksum) and MD5 (S3-style etag) of bytes seen so far."""

    def __init__(self) -> None:
        self.sha256 = hashlib.sha256()
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.size = 0

    def update(self, chunk: bytes) -> None:
        self.sha256.update(chunk)
        self.md5.update(chunk)
        self.size += len(chunk)


def copy_stream(source: BinaryIO, target: BinaryIO, digests: Digests) -> None:
    """Copy in ``CHUNK_SIZE`` pieces, so memory stays bounded whatever the size."""
    while chunk := source.read(CHUNK_SIZE):
        digests.update(chunk)
        target.write(chunk)


def sorted_parts(parts: Sequence[tuple[int, str]]) -> list[tuple[int, str]]:
    """Parts ordered by number, quotes stripped; numbers must be exactly 1..N."""
    ordered = sorted((int(number), strip_etag(etag)) for number, etag in parts)
    numbers = [number for number, _ in ordered]
    if not numbers or numbers != list(range(1, len(numbers) + 1)):
        raise MultipartError(f"parts must be numbered 1..N without gaps, got {numbers}")
    return ordered


def check_part_number(number: int) -> int:
    if not 1 <= number <= MAX_PARTS:
        raise MultipartError(f"part number must be between 1 and {MAX_PARTS}, got {number}")
    return number


def strip_etag(etag: str) -> str:
    """Etags travel quoted in HTTP headers; the interface passes them bare."""
    return etag.strip().removeprefix("W/").strip('"')
