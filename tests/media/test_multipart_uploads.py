"""The multipart upload flow through the API, once per backend (local folder, S3 on moto)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lms.extensions import db
from lms.media.models import MediaAsset
from tests.media.uploads import (
    MiB,
    content_bytes,
    pdf_bytes,
    send_part,
    send_parts,
    sha256,
    start,
)

SIZE = 12 * MiB


def asset(media_id: int) -> MediaAsset:
    db.session.expire_all()
    return db.session.get(MediaAsset, media_id)


def test_a_12_mib_upload_in_3_parts_completes(client, backend, teacher):
    data = pdf_bytes(SIZE)
    started = start(client, teacher, SIZE)
    assert started.status_code == 201
    body = started.get_json()
    assert (body["part_size"], body["part_count"]) == (5 * MiB, 3)
    media_id = body["media_id"]

    parts = send_parts(client, teacher, media_id, data, body["part_size"])
    done = client.post(
        f"/api/v1/uploads/{media_id}/complete", headers=teacher, json={"parts": parts}
    )

    assert done.status_code == 200, done.get_json()
    media = done.get_json()
    assert media["id"] == media_id
    assert media["status"] == "ready"
    assert (media["filename"], media["content_type"], media["size"]) == (
        "slides.pdf",
        "application/pdf",
        SIZE,
    )
    assert asset(media_id).checksum in (None, sha256(data))
    assert content_bytes(client, teacher, media_id) == data


def test_s3_parts_go_to_presigned_urls_of_the_store(client, s3_backend, teacher):
    media_id = start(client, teacher, SIZE).get_json()["media_id"]

    target = client.post(f"/api/v1/uploads/{media_id}/parts/1", headers=teacher).get_json()

    assert target["url"].startswith(s3_backend.client.meta.endpoint_url)
    assert "X-Amz-Signature=" in target["url"] and "partNumber=1" in target["url"]


def test_local_parts_go_to_the_apps_own_endpoint(client, local_backend, teacher):
    media_id = start(client, teacher, SIZE).get_json()["media_id"]

    target = client.post(f"/api/v1/uploads/{media_id}/parts/2", headers=teacher).get_json()

    assert target["url"] == f"/api/v1/uploads/{media_id}/parts/2/data"


def test_status_lists_stored_parts_for_resuming(client, backend, teacher):
    data = pdf_bytes(SIZE)
    media_id = start(client, teacher, SIZE).get_json()["media_id"]
    etag = send_part(client, teacher, media_id, 2, data[5 * MiB : 10 * MiB])

    status = client.get(f"/api/v1/uploads/{media_id}", headers=teacher).get_json()

    assert status["status"] == "pending"
    assert [(p["number"], p["size"]) for p in status["parts"]] == [(2, 5 * MiB)]
    assert status["parts"][0]["etag"] == etag.strip('"')


def test_completing_with_a_missing_part_is_refused_and_not_ready(client, backend, teacher):
    data = pdf_bytes(SIZE)
    media_id = start(client, teacher, SIZE).get_json()["media_id"]
    parts = send_parts(client, teacher, media_id, data, 5 * MiB, numbers=[1, 3])

    done = client.post(
        f"/api/v1/uploads/{media_id}/complete", headers=teacher, json={"parts": parts}
    )

    assert done.status_code == 400
    assert done.mimetype == "application/problem+json"
    assert "missing" in done.get_json()["detail"].lower()
    assert asset(media_id).status == "pending"
    assert client.get(f"/api/v1/media/{media_id}/content", headers=teacher).status_code == 404


def test_listing_a_part_the_store_never_received_is_refused(client, backend, teacher):
    data = pdf_bytes(SIZE)
    media_id = start(client, teacher, SIZE).get_json()["media_id"]
    parts = send_parts(client, teacher, media_id, data, 5 * MiB, numbers=[1, 3])
    parts.append({"number": 2, "etag": "0" * 32})

    done = client.post(
        f"/api/v1/uploads/{media_id}/complete", headers=teacher, json={"parts": parts}
    )

    assert done.status_code == 400
    assert asset(media_id).status == "pending"


def test_completing_with_the_wrong_size_is_refused_and_not_ready(client, backend, teacher):
    declared = SIZE + 1000
    data = pdf_bytes(SIZE)
    media_id = start(client, teacher, declared).get_json()["media_id"]
    parts = send_parts(client, teacher, media_id, data, 5 * MiB)

    done = client.post(
        f"/api/v1/uploads/{media_id}/complete", headers=teacher, json={"parts": parts}
    )

    assert done.status_code == 400
    assert "declared" in done.get_json()["detail"]
    assert asset(media_id).status != "ready"
    assert backend.head(asset(media_id).storage_key) is None


def test_abort_leaves_no_object_or_parts_behind(client, backend, teacher):
    data = pdf_bytes(SIZE)
    media_id = start(client, teacher, SIZE).get_json()["media_id"]
    key = asset(media_id).storage_key
    send_parts(client, teacher, media_id, data, 5 * MiB, numbers=[1, 2])

    aborted = client.delete(f"/api/v1/uploads/{media_id}", headers=teacher)

    assert aborted.status_code == 204
    assert asset(media_id) is None
    assert backend.head(key) is None
    later = datetime.now(UTC) + timedelta(days=1)
    assert [u for u in backend.list_multipart_uploads(later) if u.key == key] == []


def test_a_ready_upload_cannot_be_aborted(client, backend, teacher):
    data = pdf_bytes(6 * MiB)
    body = start(client, teacher, len(data)).get_json()
    parts = send_parts(client, teacher, body["media_id"], data, body["part_size"])
    client.post(
        f"/api/v1/uploads/{body['media_id']}/complete", headers=teacher, json={"parts": parts}
    )

    assert client.delete(f"/api/v1/uploads/{body['media_id']}", headers=teacher).status_code == 400
    assert asset(body["media_id"]).status == "ready"


def test_completing_twice_answers_the_same_ready_media(client, backend, teacher):
    data = pdf_bytes(1000)
    body = start(client, teacher, len(data)).get_json()
    parts = send_parts(client, teacher, body["media_id"], data, body["part_size"])
    url = f"/api/v1/uploads/{body['media_id']}/complete"

    first = client.post(url, headers=teacher, json={"parts": parts})
    second = client.post(url, headers=teacher, json={"parts": parts})

    assert first.status_code == second.status_code == 200
    assert second.get_json()["status"] == "ready"


def test_part_numbers_outside_the_upload_are_refused(client, backend, teacher):
    media_id = start(client, teacher, SIZE).get_json()["media_id"]

    for number in (0, 4):
        response = client.post(f"/api/v1/uploads/{media_id}/parts/{number}", headers=teacher)
        assert response.status_code == 400


def test_large_files_get_larger_parts_within_10000(client, backend, teacher):
    size = 5 * 1024**3
    body = start(client, teacher, size, "webinar.mp4", "video/mp4").get_json()

    assert body["part_size"] >= 5 * MiB
    assert body["part_count"] <= 10_000
    assert body["part_size"] * body["part_count"] >= size
    client.delete(f"/api/v1/uploads/{body['media_id']}", headers=teacher)
