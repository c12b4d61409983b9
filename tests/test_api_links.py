"""Every URL a JSON response hands a member works with the Bearer token that fetched it.

API clients have no browser session: a ``pdf_url``, ``media_url`` or captions URL
that only answered to a session cookie would send them to the login page. Each
member-facing read below is fetched with a token, every URL found anywhere in its
JSON is followed with that same token and nothing else, and must answer 200.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from lms.catalog.models import Caption
from lms.certificates.issuance import issue_certificate
from lms.extensions import db, utcnow
from lms.storage import get_storage
from tests.factories import (
    api_headers,
    enrol,
    make_course,
    make_item,
    make_media,
    make_module,
    make_user,
)

#: Other sites' addresses handed out on purpose (not followed): LinkedIn's "add to profile".
EXTERNAL = ("https://www.linkedin.com/profile/add?",)
VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHello.\n"


@dataclass
class Member:
    headers: dict[str, str]
    ids: dict[str, object]


def stored_media(data: bytes, **over):
    media = make_media(size=len(data), **over)
    get_storage().save(media.storage_key, io.BytesIO(data), media.content_type)
    return media


@pytest.fixture
def member(app_ctx) -> Member:
    """An enrolled member with a certificate, in a course with a captioned video and a file."""
    user = make_user()
    done = make_course(title="Done before")
    certificate = issue_certificate(user, done, enrol(user, done, completed_at=utcnow()))
    course = make_course(title="Links", certificate_enabled=True)
    module = make_module(course)
    video = make_item(module, kind="video", title="Talk", body="",
                      media=stored_media(b"\x00" * 64))
    captions = stored_media(VTT, kind="captions", content_type="text/vtt",
                            original_name="talk.vtt", duration_seconds=None)
    db.session.add(Caption(item_id=video.id, media_id=captions.id))
    file_item = make_item(module, kind="file", title="Slides", body="",
                          media=stored_media(b"%PDF-1.4 slides", kind="file",
                                             content_type="application/pdf",
                                             original_name="slides.pdf",
                                             duration_seconds=None))
    db.session.commit()
    enrol(user, course)
    return Member(api_headers(user), {"course": course.id, "video": video.id,
                                      "file": file_item.id, "code": certificate.code,
                                      "media": video.media_id})


#: Member-facing reads whose answers carry URLs, and how many each must carry at least.
READS = {
    "my certificates": ("/api/v1/me/certificates", 2),
    "video item": ("/api/v1/items/{video}", 2),
    "file item": ("/api/v1/items/{file}", 1),
    "course": ("/api/v1/courses/{course}", 0),
    "course progress": ("/api/v1/courses/{course}/progress", 0),
    "me": ("/api/v1/me", 0),
}


def urls_in(value: object) -> Iterator[str]:
    """Every string in a JSON value that is a link on this site (a path or a full URL)."""
    if isinstance(value, dict):
        for item in value.values():
            yield from urls_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from urls_in(item)
    elif isinstance(value, str) and (value.startswith("/") or value.startswith("http")):
        yield value


@pytest.mark.parametrize("read", READS)
def test_every_url_handed_out_answers_to_the_same_token(app, member, read):
    path, at_least = READS[read]
    client = app.test_client()  # no session cookie, ever
    response = client.get(path.format(**member.ids), headers=member.headers)
    assert response.status_code == 200, response.get_json()
    links = sorted(set(urls_in(response.get_json())))
    assert len(links) >= at_least, links
    base = app.config["BASE_URL"]
    for link in (link for link in links if not link.startswith(EXTERNAL)):
        assert link.startswith("/") or link.startswith(base + "/"), link
        followed = client.get(urlsplit(link).path, headers=member.headers)
        assert followed.status_code == 200, (link, followed.status_code,
                                             followed.headers.get("Location"))
        assert not followed.mimetype.startswith("application/problem"), link
        followed.close()
