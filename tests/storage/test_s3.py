"""What only the S3 backend does: presigned URLs, CORS, failing fast when the store is down."""

from __future__ import annotations

import io
import os
import time
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest

from lms.storage import Storage, StorageError, content_disposition, new_key
from lms.storage.s3 import S3Storage
from tests.ports import free_port
from tests.s3server import moto_credentials

pytestmark = pytest.mark.s3

NAME = 'Résumé "final" 2024.mp4'


def _query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def test_presigned_get_carries_expiry_signature_and_our_headers(s3: S3Storage) -> None:
    assert s3.presign_seconds != 900, "configured, not the default"
    url = s3.download_url(new_key(), NAME, "video/mp4", inline=True)

    query = _query(url or "")
    assert query["X-Amz-Expires"] == str(s3.presign_seconds)
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-Signature"]
    assert query["response-content-type"] == "video/mp4"
    assert query["response-content-disposition"] == content_disposition(NAME, inline=True)
    assert (
        "filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22%202024.mp4"
        in query["response-content-disposition"]
    )


def test_presigned_part_url_carries_expiry_and_signature(s3: S3Storage) -> None:
    key = new_key()
    upload_id = s3.create_multipart(key, "video/mp4")

    target = s3.part_target(key, upload_id, 2)

    assert target is not None and target.method == "PUT"
    query = _query(target.url)
    assert query["X-Amz-Expires"] == str(s3.presign_seconds)
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert (query["partNumber"], query["uploadId"]) == ("2", upload_id)


def test_presigned_get_honours_range(s3: Storage) -> None:
    data = os.urandom(4096)
    key = new_key()
    s3.save(key, io.BytesIO(data), "video/mp4")
    url = s3.download_url(key, NAME, "video/mp4", inline=False)
    request = urllib.request.Request(url or "", headers={"Range": "bytes=0-1023"})

    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
        headers = response.headers

    assert response.status == 206
    assert body == data[:1024]
    assert headers["Content-Range"] == "bytes 0-1023/4096"
    assert headers["Content-Type"] == "video/mp4"
    assert headers["Content-Disposition"].startswith('attachment; filename="Resume _final_ 2024')


def test_bucket_cors_lets_browsers_put_parts_and_read_etag(s3: S3Storage, cors_origin: str) -> None:
    rules = s3.client.get_bucket_cors(Bucket=s3.bucket)["CORSRules"]

    assert rules[0]["AllowedOrigins"] == [cors_origin]
    assert {"PUT", "GET"} <= set(rules[0]["AllowedMethods"])
    assert rules[0]["ExposeHeaders"] == ["ETag"]


def test_ensure_bucket_is_idempotent(s3: Storage, cors_origin: str) -> None:
    s3.ensure_bucket([cors_origin])

    s3.check()


def test_missing_bucket_is_unavailable(s3: S3Storage) -> None:
    broken = S3Storage(
        s3.bucket + "-missing", endpoint_url=s3.client.meta.endpoint_url, region=s3.region
    )

    with pytest.raises(StorageError) as raised:
        broken.check()
    assert raised.value.unavailable


def test_unreachable_store_fails_fast_as_unavailable() -> None:
    with moto_credentials():
        storage = S3Storage("lms-media", endpoint_url=f"http://127.0.0.1:{free_port()}")
        started = time.monotonic()

        for operation in (storage.check, lambda: storage.head(new_key())):
            with pytest.raises(StorageError) as raised:
                operation()
            assert raised.value.unavailable
            assert isinstance(raised.value.__cause__, Exception)

    assert time.monotonic() - started < 8


def test_parts_never_go_through_the_app(s3: Storage) -> None:
    with pytest.raises(StorageError):
        s3.put_part(new_key(), "x", 1, io.BytesIO(b"x"))
