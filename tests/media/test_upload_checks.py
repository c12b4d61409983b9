"""What an upload must pass: who sends it, its size, its type and its first bytes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.media.models import MediaAsset
from tests.media.uploads import ELF, MiB, pdf_bytes, send_parts, simple_upload, start


def count(status: str | None = None) -> int:
    query = select(func.count()).select_from(MediaAsset)
    if status:
        query = query.where(MediaAsset.status == status)
    return db.session.execute(query).scalar_one()


def test_a_small_file_uploads_in_one_request(client, backend, teacher):
    data = pdf_bytes(200_000)

    response = simple_upload(client, teacher, data, "handout.pdf", "application/pdf")

    assert response.status_code == 201, response.get_json()
    media = response.get_json()
    assert {k: media[k] for k in ("filename", "content_type", "size", "status")} == {
        "filename": "handout.pdf",
        "content_type": "application/pdf",
        "size": 200_000,
        "status": "ready",
    }
    assert media["duration_seconds"] is None


def test_over_the_maximum_is_413(client, backend, teacher, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 100 * MiB)

    multipart = start(client, teacher, 100 * MiB + 1)
    simple = simple_upload(client, teacher, pdf_bytes(1000), "a.pdf", "application/pdf")
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 999)
    small_max = simple_upload(client, teacher, pdf_bytes(1000), "a.pdf", "application/pdf")

    assert multipart.status_code == 413
    assert multipart.mimetype == "application/problem+json"
    assert simple.status_code == 201
    assert small_max.status_code == 413
    assert count("ready") == 1


@pytest.mark.parametrize(
    ("filename", "content_type"),
    [
        ("page.html", "text/html"),
        ("logo.svg", "image/svg+xml"),
        ("setup.exe", "application/x-msdownload"),
        ("notes.txt", "text/plain"),
        ("clip.mov", "video/quicktime"),
        ("mystery.bin", "application/octet-stream"),
    ],
)
def test_types_not_allowed_are_415(client, backend, teacher, filename, content_type):
    multipart = start(client, teacher, 1000, filename, content_type)
    simple = simple_upload(client, teacher, b"<html></html>", filename, content_type)

    assert multipart.status_code == 415
    assert simple.status_code == 415
    assert multipart.get_json()["title"] == "Unsupported type"
    assert count() == 0


def test_a_renamed_executable_is_refused_in_one_request(client, backend, teacher):
    response = simple_upload(client, teacher, ELF + b"\x00" * 5000, "talk.mp4", "video/mp4")

    assert response.status_code == 415
    assert "not video/mp4" in response.get_json()["detail"]
    assert count() == 0


def test_a_renamed_executable_is_refused_on_completion(client, backend, teacher):
    data = ELF + b"\x00" * 5000
    body = start(client, teacher, len(data), "talk.mp4", "video/mp4").get_json()
    parts = send_parts(client, teacher, body["media_id"], data, body["part_size"])

    done = client.post(
        f"/api/v1/uploads/{body['media_id']}/complete", headers=teacher, json={"parts": parts}
    )

    assert done.status_code == 415
    db.session.expire_all()
    asset = db.session.get(MediaAsset, body["media_id"])
    assert asset.status == "failed"
    assert "not video/mp4" in asset.failure_reason
    assert backend.head(asset.storage_key) is None


@pytest.mark.parametrize(
    ("filename", "content_type", "data"),
    [
        ("a.pdf", "application/pdf", b"GIF89a" + b"\x00" * 100),
        ("a.png", "image/png", b"\xff\xd8\xff\xe0" + b"\x00" * 100),
        ("a.vtt", "text/vtt", b"1\n00:00:01,000 --> 00:00:02,000\nHi\n"),
        ("a.webm", "video/webm", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100),
    ],
)
def test_contents_must_match_the_claimed_type(
    client, backend, teacher, filename, content_type, data
):
    assert simple_upload(client, teacher, data, filename, content_type).status_code == 415


def test_an_empty_file_is_refused(client, backend, teacher):
    assert simple_upload(client, teacher, b"", "a.pdf", "application/pdf").status_code == 400
    assert start(client, teacher, 0).status_code == 422


def test_members_may_not_upload(client, backend, people):
    member = people.headers("member")
    owner = people.headers("instructor")
    media_id = start(client, owner, 6 * MiB).get_json()["media_id"]

    responses = [
        start(client, member, 6 * MiB),
        simple_upload(client, member, pdf_bytes(100), "a.pdf", "application/pdf"),
        client.post(f"/api/v1/uploads/{media_id}/parts/1", headers=member),
        client.get(f"/api/v1/uploads/{media_id}", headers=member),
        client.post(f"/api/v1/uploads/{media_id}/complete", headers=member, json={"parts": []}),
        client.delete(f"/api/v1/uploads/{media_id}", headers=member),
    ]

    assert [r.status_code for r in responses] == [403] * 6


@pytest.mark.parametrize("who", ["other_instructor", "admin"])
def test_another_instructors_pending_upload_is_404(client, backend, people, who):
    owner = people.headers("instructor")
    other = people.headers(who)
    media_id = start(client, owner, 6 * MiB).get_json()["media_id"]

    responses = [
        client.post(f"/api/v1/uploads/{media_id}/parts/1", headers=other),
        client.put(f"/api/v1/uploads/{media_id}/parts/1/data", headers=other, data=b"x"),
        client.get(f"/api/v1/uploads/{media_id}", headers=other),
        client.post(f"/api/v1/uploads/{media_id}/complete", headers=other, json={"parts": []}),
        client.delete(f"/api/v1/uploads/{media_id}", headers=other),
    ]

    assert [r.status_code for r in responses] == [404] * 5
    assert client.get(f"/api/v1/uploads/{media_id}", headers=owner).status_code == 200


def test_uploading_needs_authentication(client, backend):
    assert client.post("/api/v1/uploads", json={}).status_code == 401


def test_the_app_refuses_parts_meant_for_the_store(client, s3_backend, teacher):
    media_id = start(client, teacher, 6 * MiB).get_json()["media_id"]

    response = client.put(
        f"/api/v1/uploads/{media_id}/parts/1/data", headers=teacher, data=b"x" * 100
    )

    assert response.status_code == 400


def test_a_part_larger_than_the_part_size_is_413(client, local_backend, teacher):
    media_id = start(client, teacher, 6 * MiB).get_json()["media_id"]

    response = client.put(
        f"/api/v1/uploads/{media_id}/parts/2/data", headers=teacher, data=b"x" * (5 * MiB + 1)
    )

    assert response.status_code == 413


def test_missing_fields_are_explained(client, backend, teacher):
    response = client.post(
        "/api/v1/uploads", headers=teacher, json={"content_type": "application/pdf", "size": "big"}
    )

    assert response.status_code == 422
    assert "filename" in response.get_json()["errors"]
