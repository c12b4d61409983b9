"""The upload protocol as a client speaks it, and test files (PDF-like noise, real videos)."""

from __future__ import annotations

import hashlib
import io
import os
import urllib.error
import urllib.request
from email.message import Message
from typing import Any

import av

MiB = 1024 * 1024
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56


def pdf_bytes(size: int) -> bytes:
    """Bytes that pass as a PDF (the magic number, then noise): no duration to read."""
    return b"%PDF-1.7\n" + os.urandom(size - 9)


def start(
    client, headers, size: int, filename: str = "slides.pdf", content_type: str = "application/pdf"
):
    return client.post(
        "/api/v1/uploads",
        headers=headers,
        json={"filename": filename, "content_type": content_type, "size": size},
    )


def send_part(client, headers, media_id: int, number: int, data: bytes) -> str:
    """Ask where part ``number`` goes, PUT it there, return the ETag of the PUT."""
    response = client.post(f"/api/v1/uploads/{media_id}/parts/{number}", headers=headers)
    assert response.status_code == 200, response.get_json()
    target = response.get_json()
    assert target["method"] == "PUT"
    if target["url"].startswith("/"):
        put = client.put(target["url"], data=data, headers={**headers, **target["headers"]})
        assert put.status_code == 200, put.get_json()
        return put.headers["ETag"]
    request = urllib.request.Request(
        target["url"], data=data, method="PUT", headers=target["headers"]
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 200
        return answer.headers["ETag"]


def send_parts(
    client, headers, media_id: int, data: bytes, part_size: int, numbers: list[int] | None = None
) -> list[dict[str, Any]]:
    count = max(1, -(-len(data) // part_size))
    parts = []
    for number in numbers or range(1, count + 1):
        chunk = data[(number - 1) * part_size : number * part_size]
        parts.append(
            {"number": number, "etag": send_part(client, headers, media_id, number, chunk)}
        )
    return parts


def upload(client, headers, data: bytes, filename: str, content_type: str):
    """The whole multipart flow; returns the response of ``complete``."""
    started = start(client, headers, len(data), filename, content_type)
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    parts = send_parts(client, headers, body["media_id"], data, body["part_size"])
    return client.post(
        f"/api/v1/uploads/{body['media_id']}/complete", headers=headers, json={"parts": parts}
    )


def simple_upload(client, headers, data: bytes, filename: str, content_type: str):
    return client.post(
        "/api/v1/media",
        headers=headers,
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(data), filename, content_type)},
    )


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, Message, bytes]:
    """GET a URL of the store (a presigned S3 URL) over real HTTP."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def content_bytes(client, headers, media_id: int) -> bytes:
    """The media's bytes, following a redirect to the store in S3 mode."""
    response = client.get(f"/api/v1/media/{media_id}/content", headers=headers)
    if response.status_code == 302:
        status, _, data = fetch(response.headers["Location"])
        assert status == 200
        return data
    assert response.status_code == 200
    data = response.get_data()
    response.close()
    return data


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_video(seconds: float = 2.0, fmt: str = "mp4") -> bytes:
    """A real, tiny video encoded by PyAV (MPEG-4 Part 2 or VP8, 10 frames a second)."""
    buffer = io.BytesIO()
    codec = "mpeg4" if fmt == "mp4" else "libvpx"
    with av.open(buffer, mode="w", format=fmt) as container:
        stream = container.add_stream(codec, rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for index in range(round(seconds * 10)):
            frame = av.VideoFrame(64, 48, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([index * 7 % 256]) * plane.buffer_size)
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()
