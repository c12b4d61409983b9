"""Choosing and caching the backend from configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from lms.storage import StorageError, build_storage, get_storage
from lms.storage.local import LocalStorage
from lms.storage.s3 import S3Storage


def test_local_is_the_default(tmp_path: Path) -> None:
    storage = build_storage({"MEDIA_DIR": str(tmp_path)})

    assert isinstance(storage, LocalStorage)
    assert storage.name == "local"
    assert storage.root == tmp_path.resolve()


def test_s3_reads_its_settings() -> None:
    storage = build_storage(
        {
            "STORAGE": "s3",
            "S3_BUCKET": "media",
            "S3_ENDPOINT_URL": "http://127.0.0.1:9000",
            "S3_REGION": "eu-west-1",
            "S3_PRESIGN_SECONDS": 60,
        }
    )

    assert isinstance(storage, S3Storage)
    assert (storage.name, storage.bucket, storage.region) == ("s3", "media", "eu-west-1")
    assert storage.presign_seconds == 60
    assert storage.client.meta.endpoint_url == "http://127.0.0.1:9000"
    assert storage.client.meta.config.signature_version == "s3v4"


@pytest.mark.parametrize(
    "config", [{"STORAGE": "ftp"}, {"STORAGE": "s3"}, {"STORAGE": "local", "MEDIA_DIR": None}]
)
def test_incomplete_configuration_is_refused(config: dict[str, object]) -> None:
    with pytest.raises(StorageError):
        build_storage(config)


def test_get_storage_builds_one_instance_per_app(tmp_path: Path) -> None:
    first, second = Flask("first"), Flask("second")
    first.config["MEDIA_DIR"] = str(tmp_path / "a")
    second.config["MEDIA_DIR"] = str(tmp_path / "b")

    with first.app_context():
        storage = get_storage()
        assert get_storage() is storage
    with second.app_context():
        assert get_storage() is not storage
    assert first.extensions["lms_storage"] is storage
