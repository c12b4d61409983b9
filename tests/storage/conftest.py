"""Fixtures for the storage contract suite: each backend, freshly created per test.

The session-wide ``s3_server`` fixture comes from ``tests/conftest.py``.
"""

from __future__ import annotations

import io
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from lms.storage import Storage, build_storage
from lms.storage.s3 import S3Storage
from tests.s3server import S3Server, unique_bucket

PRESIGN_SECONDS = 123
ORIGIN = "http://127.0.0.1:5000"


def local_storage(tmp_path: Path) -> Storage:
    storage = build_storage({"STORAGE": "local", "MEDIA_DIR": str(tmp_path / "media")})
    storage.ensure_bucket([ORIGIN])
    return storage


def s3_storage(server: S3Server) -> Storage:
    config = {
        "STORAGE": "s3",
        "S3_BUCKET": unique_bucket(),
        "S3_ENDPOINT_URL": server.endpoint_url,
        "S3_REGION": server.region,
        "S3_PRESIGN_SECONDS": PRESIGN_SECONDS,
    }
    storage = build_storage(config)
    storage.ensure_bucket([ORIGIN])
    return storage


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """The same contract, once per backend; S3 gets its own bucket on the shared server."""
    if request.param == "local":
        return local_storage(tmp_path)
    return s3_storage(request.getfixturevalue("s3_server"))


@pytest.fixture
def s3(s3_server: S3Server) -> S3Storage:
    storage = s3_storage(s3_server)
    assert isinstance(storage, S3Storage)
    return storage


@pytest.fixture
def cors_origin() -> str:
    return ORIGIN


@pytest.fixture
def upload_part() -> Callable[[Storage, str, str, int, bytes], str]:
    return send_part


def send_part(storage: Storage, key: str, upload_id: str, number: int, data: bytes) -> str:
    """Send one part the way the browser does: PUT the bytes, keep the ETag header.

    Locally the app's part endpoint would call ``put_part`` and echo its etag.
    """
    target = storage.part_target(key, upload_id, number)
    if target is None:
        return storage.put_part(key, upload_id, number, io.BytesIO(data))
    request = urllib.request.Request(
        target.url, data=data, method=target.method, headers=target.headers
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        return response.headers["ETag"]
