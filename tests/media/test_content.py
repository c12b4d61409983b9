"""Reading media: S3 redirects to presigned URLs, local mode serves Range requests itself."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from lms.media import access
from tests.media.uploads import fetch, pdf_bytes, send_parts, simple_upload, start

DATA = pdf_bytes(300_000)


@pytest.fixture
def media_id(client, backend, teacher) -> int:
    response = simple_upload(client, teacher, DATA, "Café talk «1».pdf", "application/pdf")
    assert response.status_code == 201
    return response.get_json()["id"]


def get(client, headers, media_id, **extra):
    response = client.get(f"/api/v1/media/{media_id}/content", headers={**headers, **extra})
    body = response.get_data()
    response.close()
    return response, body


def upload_pdf(client, teacher, name="a.pdf") -> int:
    return simple_upload(client, teacher, DATA, name, "application/pdf").get_json()["id"]


def test_s3_redirects_to_a_presigned_url_that_honours_range(client, s3_backend, teacher):
    media_id = upload_pdf(client, teacher, "Café talk.pdf")

    response, _ = get(client, teacher, media_id)

    assert response.status_code == 302
    location = response.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert query["X-Amz-Expires"] == ["300"]
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert "filename*=UTF-8''Caf%C3%A9%20talk.pdf" in query["response-content-disposition"][0]
    status, headers, body = fetch(location, {"Range": "bytes=0-1023"})
    assert status == 206
    assert body == DATA[:1024]
    assert headers["Content-Range"] == f"bytes 0-1023/{len(DATA)}"


@pytest.mark.parametrize(
    ("header", "status", "content_range", "expected"),
    [
        ("bytes=0-1023", 206, f"bytes 0-1023/{len(DATA)}", DATA[:1024]),
        ("bytes=-100", 206, f"bytes {len(DATA) - 100}-{len(DATA) - 1}/{len(DATA)}", DATA[-100:]),
        ("bytes=1000-", 206, f"bytes 1000-{len(DATA) - 1}/{len(DATA)}", DATA[1000:]),
        ("bytes=0-1,10-20", 200, None, DATA),
        ("bytes=oops", 200, None, DATA),
    ],
    ids=["first-kib", "last-100", "from-1000", "two-ranges", "malformed"],
)
def test_local_serves_ranges_as_rfc_9110_says(
    client, local_backend, teacher, header, status, content_range, expected
):
    media_id = upload_pdf(client, teacher)

    response, body = get(client, teacher, media_id, Range=header)

    assert response.status_code == status
    assert response.headers.get("Content-Range") == content_range
    assert response.headers["Accept-Ranges"] == "bytes"
    assert body == expected


def test_local_unsatisfiable_range_is_416_with_the_length(client, local_backend, teacher):
    media_id = upload_pdf(client, teacher)

    response, _ = get(client, teacher, media_id, Range=f"bytes={len(DATA)}-")

    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(DATA)}"


def test_local_etag_if_range_and_if_none_match(client, local_backend, teacher):
    media_id = upload_pdf(client, teacher)
    first, _ = get(client, teacher, media_id)
    etag = first.headers["ETag"]

    stale, stale_body = get(client, teacher, media_id, Range="bytes=0-9", **{"If-Range": '"old"'})
    fresh, fresh_body = get(client, teacher, media_id, Range="bytes=0-9", **{"If-Range": etag})
    cached, _ = get(client, teacher, media_id, **{"If-None-Match": etag})

    assert (stale.status_code, stale_body) == (200, DATA)
    assert (fresh.status_code, fresh_body) == (206, DATA[:10])
    assert cached.status_code == 304


def test_local_content_carries_the_original_name_and_is_sandboxed(client, local_backend, teacher):
    media_id = upload_pdf(client, teacher, "Café talk.pdf")

    response, _ = get(client, teacher, media_id)

    assert response.headers["Content-Disposition"] == (
        "inline; filename=\"Cafe talk.pdf\"; filename*=UTF-8''Caf%C3%A9%20talk.pdf"
    )
    assert response.headers["Content-Type"] == "application/pdf"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pending_media_has_no_content(client, backend, teacher):
    data = pdf_bytes(6_000_000)
    body = start(client, teacher, len(data)).get_json()
    send_parts(client, teacher, body["media_id"], data, body["part_size"], numbers=[1])

    response, _ = get(client, teacher, body["media_id"])

    assert response.status_code == 404


def test_members_see_content_only_when_a_hook_says_yes(client, backend, people, media_id):
    member = people.headers("member")
    assert get(client, member, media_id)[0].status_code == 404

    def enrolled(user, asset):
        return user is not None and user.id == people.member.id

    access.register_access_check(enrolled)
    try:
        response, _ = get(client, member, media_id)
    finally:
        access.unregister_access_check(enrolled)

    assert response.status_code in (200, 302)
    assert get(client, member, media_id)[0].status_code == 404


def test_uploader_and_staff_see_content(client, backend, people, media_id):
    for who in ("instructor", "admin"):
        assert get(client, people.headers(who), media_id)[0].status_code in (200, 302)


def test_other_instructors_do_not_see_unused_media(client, backend, people, media_id):
    assert get(client, people.headers("other_instructor"), media_id)[0].status_code == 404


def test_anonymous_visitors_are_asked_to_log_in_whether_or_not_the_media_exists(
        client, backend, media_id):
    """401 as for every API call without a token (API.md), the same for any id."""
    for some_id in (media_id, media_id + 1000):
        response = client.get(f"/api/v1/media/{some_id}/content")
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
