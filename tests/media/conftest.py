"""Media fixtures: the app's storage swapped for a fresh local folder or S3 bucket per test.

``backend`` runs a test once per backend; S3 is a real moto server process over
HTTP, so presigned URLs are fetched and PUT to for real.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from lms.storage import Storage, build_storage
from tests.factories import api_headers, make_user
from tests.ports import free_port
from tests.s3server import S3Server, unique_bucket

MiB = 1024 * 1024
ORIGIN = "http://127.0.0.1:5000"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56


@contextmanager
def swapped_storage(app: Flask, storage: Storage, config: dict[str, Any]) -> Iterator[Storage]:
    """Make ``storage`` the app's storage (and ``config`` its settings) for the block."""
    saved_storage = app.extensions.get("lms_storage")
    saved_config = {name: app.config.get(name) for name in config}
    app.extensions["lms_storage"] = storage
    app.config.update(config)
    try:
        yield storage
    finally:
        app.config.update(saved_config)
        if saved_storage is None:
            app.extensions.pop("lms_storage", None)
        else:
            app.extensions["lms_storage"] = saved_storage


def local_config(tmp_path: Path) -> dict[str, Any]:
    return {"STORAGE": "local", "MEDIA_DIR": str(tmp_path / "media")}


def s3_config(server: S3Server, **over: Any) -> dict[str, Any]:
    config = {
        "STORAGE": "s3",
        "S3_BUCKET": unique_bucket(),
        "S3_ENDPOINT_URL": server.endpoint_url,
        "S3_REGION": server.region,
        "S3_PRESIGN_SECONDS": 300,
    }
    return config | over


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def backend(request: pytest.FixtureRequest, app: Flask, tmp_path: Path) -> Iterator[Storage]:
    """The app's storage for this test: a fresh folder, or a fresh bucket on moto."""
    if request.param == "local":
        config = local_config(tmp_path)
    else:
        config = s3_config(request.getfixturevalue("s3_server"))
    storage = build_storage(config)
    storage.ensure_bucket([ORIGIN])
    with swapped_storage(app, storage, config):
        yield storage


@pytest.fixture
def local_backend(app: Flask, tmp_path: Path) -> Iterator[Storage]:
    config = local_config(tmp_path)
    storage = build_storage(config)
    storage.ensure_bucket([ORIGIN])
    with swapped_storage(app, storage, config):
        yield storage


@pytest.fixture
def s3_backend(app: Flask, s3_server: S3Server) -> Iterator[Storage]:
    config = s3_config(s3_server)
    storage = build_storage(config)
    storage.ensure_bucket([ORIGIN])
    with swapped_storage(app, storage, config):
        yield storage


@pytest.fixture
def dead_store(app: Flask) -> Iterator[Storage]:
    """S3 mode with the endpoint on a loopback port nobody listens on: the store is down."""
    config = {
        "STORAGE": "s3",
        "S3_BUCKET": unique_bucket(),
        "S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
        "S3_REGION": "us-east-1",
    }
    with swapped_storage(app, build_storage(config), config) as storage:
        yield storage


@dataclass
class People:
    instructor: Any
    other_instructor: Any
    member: Any
    admin: Any

    def headers(self, who: str) -> dict[str, str]:
        return api_headers(getattr(self, who))


@pytest.fixture
def people(app_ctx) -> People:
    return People(
        make_user(role="instructor"),
        make_user(role="instructor"),
        make_user(role="member"),
        make_user(role="admin"),
    )


@pytest.fixture
def teacher(people: People) -> dict[str, str]:
    """API headers of the instructor who uploads."""
    return people.headers("instructor")


@pytest.fixture
def video_60s() -> bytes:
    """The 60 s 640x360 H.264/AAC test video, made once per test process."""
    from tests.media.videos import video_60s

    return video_60s()


@pytest.fixture
def renditions_on(app: Flask) -> Iterator[None]:
    """Uploads of videos queue their renditions (the test config leaves them off)."""
    app.config["MEDIA_RENDITIONS"] = True
    yield
    app.config["MEDIA_RENDITIONS"] = False
