"""With the object store stopped: 503 problem+json within seconds, nothing marked ready."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from lms.extensions import db
from lms.media.models import MediaAsset
from lms.storage import build_storage
from tests.media.conftest import swapped_storage
from tests.media.uploads import MiB, pdf_bytes, send_parts, simple_upload, start
from tests.ports import free_port

DETAIL = "The file store is not answering; please try again in a minute."


def assert_503(response) -> None:
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == DETAIL


def ready_count() -> int:
    query = select(func.count()).select_from(MediaAsset).where(MediaAsset.status == "ready")
    return db.session.execute(query).scalar_one()


def test_starting_or_sending_an_upload_answers_503(client, dead_store, teacher):
    began = time.monotonic()

    assert_503(start(client, teacher, 6 * MiB))
    assert_503(simple_upload(client, teacher, pdf_bytes(1000), "a.pdf", "application/pdf"))

    assert time.monotonic() - began < 20
    assert db.session.execute(select(func.count()).select_from(MediaAsset)).scalar_one() == 0


def test_completing_while_the_store_is_down_marks_nothing_ready(client, app, s3_backend, teacher):
    data = pdf_bytes(6 * MiB)
    body = start(client, teacher, len(data)).get_json()
    parts = send_parts(client, teacher, body["media_id"], data, body["part_size"])
    config = {
        "STORAGE": "s3",
        "S3_BUCKET": s3_backend.bucket,
        "S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
    }

    with swapped_storage(app, build_storage(config), config):
        done = client.post(
            f"/api/v1/uploads/{body['media_id']}/complete", headers=teacher, json={"parts": parts}
        )

    assert_503(done)
    assert ready_count() == 0
    db.session.expire_all()
    assert db.session.get(MediaAsset, body["media_id"]).status == "pending"
    retried = client.post(
        f"/api/v1/uploads/{body['media_id']}/complete", headers=teacher, json={"parts": parts}
    )
    assert retried.status_code == 200
    assert retried.get_json()["status"] == "ready"


def test_local_content_answers_503_when_the_folder_is_unusable(
    client, app, local_backend, teacher, tmp_path
):
    media_id = simple_upload(
        client, teacher, pdf_bytes(1000), "a.pdf", "application/pdf"
    ).get_json()["id"]
    (tmp_path / "not-a-folder").write_bytes(b"")
    config = {"STORAGE": "local", "MEDIA_DIR": str(tmp_path / "not-a-folder" / "media")}

    with swapped_storage(app, build_storage(config), config):
        response = client.get(f"/api/v1/media/{media_id}/content", headers=teacher)

    assert_503(response)
