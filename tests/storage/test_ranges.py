"""RFC 9110 Range handling: the pure parser, and werkzeug serving a file with its help."""

from __future__ import annotations

import io

import pytest
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import wrap_file

from lms.storage.ranges import UNSATISFIABLE, parse_range, range_for_werkzeug

SIZE = 10_000


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-1023", [(0, 1023)]),
        ("bytes=-100", [(9900, 9999)]),
        ("bytes=500-", [(500, 9999)]),
        ("bytes=9000-20000", [(9000, 9999)]),
        ("bytes=-20000", [(0, 9999)]),
        ("BYTES = 0-0", [(0, 0)]),
        ("bytes=0-9, 20-29,-5", [(0, 9), (20, 29), (9995, 9999)]),
        ("bytes=0-9,,20-29", [(0, 9), (20, 29)]),
        ("bytes=0-9,10000-", [(0, 9)]),
        ("bytes=10000-", UNSATISFIABLE),
        ("bytes=10000-10001,20000-", UNSATISFIABLE),
        ("bytes=-0", UNSATISFIABLE),
        (None, None),
        ("", None),
        ("bytes=", None),
        ("bytes=abc", None),
        ("bytes=5-2", None),
        ("bytes=1-2-3", None),
        ("bytes=-", None),
        ("bytes=+1-2", None),
        ("bytes=0x10-20", None),
        ("items=0-5", None),
        ("bytes 0-5", None),
        ("bytes=" + ",".join(f"{n}-{n}" for n in range(17)), None),
    ],
)
def test_parse_range(header: str | None, expected: object) -> None:
    assert parse_range(header, SIZE) == expected


def test_an_empty_representation_ignores_ranges() -> None:
    assert parse_range("bytes=0-10", 0) is None


DATA = bytes(range(256)) * 4  # 1024 bytes
ETAG = "abc123"


def serve(headers: dict[str, str]) -> Response:
    """The recipe for the app's local media endpoint, on a file object from ``open()``."""
    environ = EnvironBuilder(headers=headers).get_environ()
    normalised = range_for_werkzeug(environ.get("HTTP_RANGE"), len(DATA))
    environ.pop("HTTP_RANGE", None)
    if normalised:
        environ["HTTP_RANGE"] = normalised
    request = Request(environ)
    response = Response(
        wrap_file(environ, io.BytesIO(DATA)), mimetype="video/mp4", direct_passthrough=True
    )
    response.set_etag(ETAG)
    response.content_length = len(DATA)
    return response.make_conditional(request, accept_ranges=True, complete_length=len(DATA))


def body(response: Response) -> bytes:
    response.direct_passthrough = False
    return response.get_data()


@pytest.mark.parametrize(
    ("header", "status", "content_range", "expected"),
    [
        ("bytes=0-1023", 206, "bytes 0-1023/1024", DATA),
        ("bytes=0-9", 206, "bytes 0-9/1024", DATA[:10]),
        ("bytes=-100", 206, "bytes 924-1023/1024", DATA[-100:]),
        ("bytes=500-", 206, "bytes 500-1023/1024", DATA[500:]),
        ("bytes=-5000", 206, "bytes 0-1023/1024", DATA),
        ("bytes=0-1,5-9", 200, None, DATA),
        ("bytes=abc", 200, None, DATA),
        ("items=0-5", 200, None, DATA),
    ],
)
def test_werkzeug_serves_ranges_as_rfc_9110_says(
    header: str, status: int, content_range: str | None, expected: bytes | None
) -> None:
    response = serve({"Range": header})

    assert response.status_code == status
    assert response.headers.get("Content-Range") == content_range
    assert response.headers["Accept-Ranges"] == "bytes"
    if expected is not None:
        assert body(response) == expected


@pytest.mark.parametrize("header", ["bytes=2000-", "bytes=1024-2000,3000-", "bytes=-0"])
def test_unsatisfiable_ranges_raise_416_with_the_length(header: str) -> None:
    with pytest.raises(RequestedRangeNotSatisfiable) as raised:
        serve({"Range": header})

    response = raised.value.get_response()
    assert response.status_code == 416
    assert response.headers["Content-Range"] == "bytes */1024"


def test_if_range_with_a_stale_etag_sends_everything() -> None:
    response = serve({"Range": "bytes=0-9", "If-Range": '"other"'})

    assert response.status_code == 200
    assert body(response) == DATA


def test_if_range_with_the_current_etag_sends_the_range() -> None:
    response = serve({"Range": "bytes=0-9", "If-Range": f'"{ETAG}"'})

    assert response.status_code == 206
    assert body(response) == DATA[:10]


def test_if_none_match_answers_304() -> None:
    assert serve({"If-None-Match": f'"{ETAG}"'}).status_code == 304
