"""One contract, both backends: what the media domain may rely on."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import BinaryIO, cast

import pytest

from lms.storage import (
    MIN_PART_SIZE,
    InvalidKey,
    MultipartError,
    ObjectNotFound,
    Storage,
    new_key,
)

MIB = 1024 * 1024
SendPart = Callable[[Storage, str, str, int, bytes], str]


def test_save_open_head_delete_round_trip(storage: Storage) -> None:
    data = os.urandom(3 * MIB + 17)
    key = new_key()

    info = storage.save(key, io.BytesIO(data), "video/mp4")

    assert (info.key, info.size, info.content_type) == (key, len(data), "video/mp4")
    assert info.checksum == hashlib.sha256(data).hexdigest()
    with storage.open(key) as stream:
        assert stream.read() == data
    head = storage.head(key)
    assert head is not None
    assert (head.size, head.etag, head.content_type) == (len(data), info.etag, "video/mp4")
    storage.delete(key)
    assert storage.head(key) is None


def test_etag_is_bare_md5_for_a_simple_save(storage: Storage) -> None:
    info = storage.save(new_key(), io.BytesIO(b"hello"), "text/plain")

    assert info.etag == hashlib.md5(b"hello", usedforsecurity=False).hexdigest()


def test_missing_objects(storage: Storage) -> None:
    key = new_key()

    assert storage.head(key) is None
    with pytest.raises(ObjectNotFound):
        storage.open(key)
    storage.delete(key)


def test_read_range_is_inclusive_and_clipped(storage: Storage) -> None:
    data = bytes(range(256)) * 8
    key = new_key()
    storage.save(key, io.BytesIO(data), "application/octet-stream")

    assert storage.read_range(key, 0, 1023) == data[:1024]
    assert storage.read_range(key, 2000, 5000) == data[2000:]
    assert storage.read_range(key, 5000, 6000) == b""


def test_empty_object(storage: Storage) -> None:
    key = new_key()

    info = storage.save(key, io.BytesIO(b""), "text/vtt")

    assert info.size == 0
    assert info.checksum == hashlib.sha256(b"").hexdigest()


def test_check_passes_and_leaves_nothing(storage: Storage) -> None:
    storage.check()

    assert list(storage.list_objects()) == []


def test_list_objects_names_every_object_once_in_key_order(
    storage: Storage, upload_part: SendPart
) -> None:
    stored = {new_key(prefix, n): os.urandom(100 * n) for prefix in ("media", "certificates")
              for n in (1, 2)}
    for key, data in stored.items():
        storage.save(key, io.BytesIO(data), "application/octet-stream")
    unfinished = new_key()
    upload_part(storage, unfinished, storage.create_multipart(unfinished, "video/mp4"), 1, b"x")

    listed = list(storage.list_objects())

    assert [item.key for item in listed] == sorted(stored)
    for item in listed:
        head = storage.head(item.key)
        assert head is not None
        assert (item.size, item.etag) == (len(stored[item.key]), head.etag)


def test_list_objects_by_prefix_and_after_a_delete(storage: Storage) -> None:
    media, certificate = new_key("media"), new_key("certificates")
    for key in (media, certificate):
        storage.save(key, io.BytesIO(b"bytes"), "text/plain")

    assert [item.key for item in storage.list_objects("certificates/")] == [certificate]
    storage.delete(certificate)
    assert [item.key for item in storage.list_objects()] == [media]


@pytest.mark.parametrize(
    "key", ["../etc/passwd", "media/../../x", "/abs", ".uploads/x", "a//b", ""]
)
def test_keys_outside_the_pattern_are_refused(storage: Storage, key: str) -> None:
    with pytest.raises(InvalidKey):
        storage.save(key, io.BytesIO(b"x"), "text/plain")
    with pytest.raises(InvalidKey):
        storage.head(key)


def test_new_keys_are_random_and_valid() -> None:
    first, second = new_key(), new_key("certificates")

    assert first.startswith("media/") and first.endswith("/1")
    assert second.startswith("certificates/")
    assert first != new_key()


def _twelve_mib_in_three_parts(
    storage: Storage, upload_part: SendPart, key: str, upload_id: str
) -> tuple[bytes, list[tuple[int, str]]]:
    sizes = [5 * MIB, 5 * MIB, 2 * MIB]
    chunks = [os.urandom(size) for size in sizes]
    parts = [
        (number, upload_part(storage, key, upload_id, number, chunk))
        for number, chunk in enumerate(chunks, start=1)
    ]
    return b"".join(chunks), parts


def test_multipart_upload_of_12_mib_in_3_parts(storage: Storage, upload_part: SendPart) -> None:
    key = new_key()
    upload_id = storage.create_multipart(key, "video/webm")
    data, parts = _twelve_mib_in_three_parts(storage, upload_part, key, upload_id)

    listed = storage.list_parts(key, upload_id)
    info = storage.complete_multipart(key, upload_id, parts)

    assert [(p.number, p.size) for p in listed] == [(1, 5 * MIB), (2, 5 * MIB), (3, 2 * MIB)]
    assert [p.etag for p in listed] == [etag.strip('"') for _, etag in parts]
    assert (info.size, info.content_type) == (len(data), "video/webm")
    assert info.etag.endswith("-3")
    assert storage.read_range(key, 5 * MIB - 10, 5 * MIB + 9) == data[5 * MIB - 10 : 5 * MIB + 10]
    with storage.open(key) as stream:
        assert hashlib.sha256(stream.read()).digest() == hashlib.sha256(data).digest()
    assert storage.list_multipart_uploads(datetime.now(UTC) + timedelta(minutes=5)) == []


def test_parts_can_be_resent_and_in_any_order(storage: Storage, upload_part: SendPart) -> None:
    key = new_key()
    upload_id = storage.create_multipart(key, "audio/mpeg")
    tail = upload_part(storage, key, upload_id, 2, b"tail")
    upload_part(storage, key, upload_id, 1, os.urandom(MIN_PART_SIZE))
    head_data = os.urandom(MIN_PART_SIZE)
    head = upload_part(storage, key, upload_id, 1, head_data)

    info = storage.complete_multipart(key, upload_id, [(2, tail), (1, head)])

    assert info.size == MIN_PART_SIZE + 4
    assert storage.read_range(key, 0, 99) == head_data[:100]


@pytest.mark.parametrize("case", ["never_sent", "gap", "wrong_etag", "small_part"])
def test_complete_with_a_bad_part_list_fails_and_stores_nothing(
    storage: Storage, upload_part: SendPart, case: str
) -> None:
    key = new_key()
    upload_id = storage.create_multipart(key, "video/mp4")
    first = upload_part(storage, key, upload_id, 1, os.urandom(MIN_PART_SIZE))
    third = upload_part(storage, key, upload_id, 3, b"end")
    parts = {
        "never_sent": [(1, first), (2, first), (3, third)],
        "gap": [(1, first), (3, third)],
        "wrong_etag": [(1, third)],
    }.get(case)
    if case == "small_part":
        parts = [(1, first), (2, upload_part(storage, key, upload_id, 2, b"tiny")), (3, third)]
    assert parts

    with pytest.raises(MultipartError):
        storage.complete_multipart(key, upload_id, parts)

    assert storage.head(key) is None
    assert storage.list_parts(key, upload_id)


def test_abort_leaves_no_object_and_no_parts(storage: Storage, upload_part: SendPart) -> None:
    key = new_key()
    upload_id = storage.create_multipart(key, "video/mp4")
    upload_part(storage, key, upload_id, 1, os.urandom(1024))

    storage.abort_multipart(key, upload_id)

    assert storage.head(key) is None
    with pytest.raises(ObjectNotFound):
        storage.list_parts(key, upload_id)
    assert storage.list_multipart_uploads(datetime.now(UTC) + timedelta(minutes=5)) == []
    storage.abort_multipart(key, upload_id)


def test_list_multipart_uploads_includes_older_uploads(storage: Storage) -> None:
    key = new_key()
    upload_id = storage.create_multipart(key, "video/mp4")

    listed = storage.list_multipart_uploads(datetime.now(UTC) + timedelta(minutes=5))

    assert [(u.key, u.upload_id) for u in listed] == [(key, upload_id)]
    assert listed[0].initiated.tzinfo is not None


def test_list_multipart_uploads_skips_newer_uploads(
    storage: Storage, request: pytest.FixtureRequest
) -> None:
    if storage.name == "s3" and request.getfixturevalue("s3_server").is_moto:
        pytest.skip("moto reports every upload as initiated on 2010-11-10")
    storage.create_multipart(new_key(), "video/mp4")

    assert storage.list_multipart_uploads(datetime.now(UTC) - timedelta(hours=1)) == []


class ChunkedOnly(io.RawIOBase):
    """A non-seekable stream that refuses to be read whole, like a request body."""

    def __init__(self, size: int) -> None:
        self.remaining = size

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        assert size is not None and 0 < size <= 16 * MIB, f"read({size})"
        chunk = b"x" * min(size, self.remaining)
        self.remaining -= len(chunk)
        return chunk


def test_save_streams_in_bounded_chunks(storage: Storage) -> None:
    stream = ChunkedOnly(9 * MIB)

    info = storage.save(new_key(), cast(BinaryIO, stream), "video/mp4")

    assert info.size == 9 * MIB
    assert info.checksum == hashlib.sha256(b"x" * 9 * MIB).hexdigest()
