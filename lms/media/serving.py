"""Serving a locally stored file with HTTP Range, If-Range and ETag (RFC 9110).

The recipe of ``tests/storage/test_ranges.py``: werkzeug's ``make_conditional``
streams the file, with the ``Range`` header first rewritten by
``range_for_werkzeug`` so that multi-range, malformed and over-long suffix
requests behave as the RFC says.
"""

from __future__ import annotations

from flask import Response, request
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.wrappers import Request
from werkzeug.wsgi import wrap_file

from lms.media import content
from lms.media.models import MediaAsset
from lms.storage import content_disposition
from lms.storage.ranges import range_for_werkzeug

#: A media response is a file, never a page: nothing in it may run or load.
MEDIA_CSP = "default-src 'none'; sandbox"


def serve_local(asset: MediaAsset) -> Response:
    """200 with the whole file, 206 with one range, 304 or 416 as the headers ask."""
    return serve_stored(asset.storage_key, asset.original_name, asset.content_type)


def serve_stored(key: str, filename: str, content_type: str, *,
                 inline: bool = True) -> Response:
    """Serve one stored object (an upload or a rendition file) as :func:`serve_local`."""
    stream, info = content.open_key(key)
    environ = dict(request.environ)
    environ.pop("HTTP_RANGE", None)
    normalised = range_for_werkzeug(request.headers.get("Range"), info.size)
    if normalised:
        environ["HTTP_RANGE"] = normalised
    response = Response(
        wrap_file(environ, stream), mimetype=content_type, direct_passthrough=True
    )
    response.set_etag(info.etag)
    response.content_length = info.size
    response.headers["Content-Disposition"] = content_disposition(
        filename, inline=inline, content_type=content_type
    )
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Content-Security-Policy"] = MEDIA_CSP
    try:
        return response.make_conditional(
            Request(environ), accept_ranges=True, complete_length=info.size
        )
    except RequestedRangeNotSatisfiable:
        stream.close()
        raise
