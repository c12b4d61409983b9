"""What only the local backend does: stay inside its folder, take parts from the app."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from lms.storage import InvalidKey, StorageError, new_key
from lms.storage.local import LocalStorage


@pytest.fixture
def local(tmp_path: Path) -> LocalStorage:
    storage = LocalStorage(tmp_path / "media")
    storage.ensure_bucket([])
    return storage


def test_files_live_at_their_key_under_the_root(local: LocalStorage) -> None:
    key = new_key()

    local.save(key, io.BytesIO(b"data"), "text/plain")

    assert (local.root / key).read_bytes() == b"data"
    assert sorted(p.name for p in (local.root / ".tmp").iterdir()) == []


def test_delete_removes_empty_folders(local: LocalStorage) -> None:
    key = new_key()
    local.save(key, io.BytesIO(b"data"), "text/plain")

    local.delete(key)

    assert not (local.root / key).parent.exists()
    assert (local.root / "media").exists() is False


def test_a_symlink_cannot_lead_outside_the_root(local: LocalStorage, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (local.root / "media").mkdir()
    os.symlink(outside, local.root / "media" / "escape")

    with pytest.raises(InvalidKey):
        local.save("media/escape/file", io.BytesIO(b"x"), "text/plain")
    assert list(outside.iterdir()) == []


def test_upload_ids_are_checked(local: LocalStorage) -> None:
    with pytest.raises(InvalidKey):
        local.put_part(new_key(), "../../etc", 1, io.BytesIO(b"x"))


def test_an_upload_belongs_to_its_key(local: LocalStorage) -> None:
    upload_id = local.create_multipart(new_key(), "video/mp4")

    with pytest.raises(StorageError):
        local.put_part(new_key(), upload_id, 1, io.BytesIO(b"x"))


def test_the_app_serves_parts_and_playback(local: LocalStorage) -> None:
    key = new_key()
    upload_id = local.create_multipart(key, "video/mp4")

    assert local.part_target(key, upload_id, 1) is None
    assert local.download_url(key, "a.mp4", "video/mp4", inline=True) is None


def test_a_folder_that_cannot_be_written_is_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")

    with pytest.raises(StorageError) as raised:
        LocalStorage(blocker).check()
    assert raised.value.unavailable
