"""Uploading inside the studio's item forms without JavaScript: the file posts with the form.

Every media select of every item form (recording, file, captions, slides) has an
uploader beside it; on both storage backends, a file sent with the form is stored,
chosen, and what the instructor typed is kept whatever happens to the file.
"""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from lms.catalog.models import CourseInstructor, Item
from lms.extensions import db
from lms.media.models import MediaAsset
from tests.factories import make_course, make_item, make_module
from tests.media.conftest import ELF
from tests.media.uploads import make_video, pdf_bytes

VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nWelcome.\n"
SRT = b"1\r\n00:00:00,000 --> 00:00:01,500\r\nWelcome.\r\n"

#: (item kind, media select, file name, content type, bytes, the item's media id of that select)
PICKS = [
    ("video", "media_id", "talk.mp4", "video/mp4", make_video(1.0), lambda i: i.media_id),
    (
        "video",
        "captions_media_id",
        "talk.vtt",
        "text/vtt",
        VTT,
        lambda i: i.captions[0].media_id if i.captions else None,
    ),
    (
        "video",
        "captions_media_id",
        "talk.srt",
        "application/x-subrip",
        SRT,
        lambda i: i.captions[0].media_id if i.captions else None,
    ),
    (
        "video",
        "slides_media_id",
        "slides.pdf",
        "application/pdf",
        pdf_bytes(4096),
        lambda i: i.slides_media_id,
    ),
    ("file", "media_id", "handout.pdf", "application/pdf", pdf_bytes(4096), lambda i: i.media_id),
]
PICK_IDS = [f"{p[0]}-{p[1]}-{p[2].rsplit('.', 1)[1]}" for p in PICKS]


@pytest.fixture
def module(people, auth):
    auth.login(people.instructor.email)
    return make_module(make_course(instructors=[people.instructor], status="draft"))


def form_url(module, kind: str, editing: bool) -> str:
    if not editing:
        return f"/studio/modules/{module.id}/items/new/{kind}"
    return f"/studio/items/{make_item(module, kind=kind, title='Before').id}"


def post_item(auth, url: str, fields: dict, files: dict):
    data = {"required": "y", "save": "1", **fields}
    data.update(
        {
            f"{name}_upload": (io.BytesIO(body), filename, content_type)
            for name, (filename, content_type, body) in files.items()
        }
    )
    return auth.post(url, data, content_type="multipart/form-data")


def items() -> list[Item]:
    db.session.expire_all()
    return list(db.session.execute(select(Item)).scalars())


def assets() -> list[MediaAsset]:
    db.session.expire_all()
    return list(db.session.execute(select(MediaAsset).order_by(MediaAsset.id)).scalars())


@pytest.mark.parametrize("editing", [False, True], ids=["new", "edit"])
@pytest.mark.parametrize(
    ("kind", "field", "filename", "content_type", "body", "chosen"), PICKS, ids=PICK_IDS
)
def test_a_file_sent_with_the_item_form_is_stored_and_chosen(
    client, auth, backend, module, editing, kind, field, filename, content_type, body, chosen
):
    url = form_url(module, kind, editing)
    page = client.get(url).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert re.search(rf'<input type="file" id="{field}-upload-file" name="{field}_upload"', page)

    saved = post_item(
        auth,
        url,
        {"title": "Typed title", "body": "Typed intro"},
        {field: (filename, content_type, body)},
    )

    assert saved.status_code == 302, saved.get_data(as_text=True)
    [item] = items()
    [asset] = assets()
    assert (item.title, item.body, chosen(item)) == ("Typed title", "Typed intro", asset.id)
    assert asset.status == "ready"
    assert asset.original_name == filename.replace(".srt", ".vtt")


@pytest.mark.parametrize("editing", [False, True], ids=["new", "edit"])
@pytest.mark.parametrize(("kind", "field"), sorted({(p[0], p[1]) for p in PICKS}))
def test_a_refused_file_keeps_what_was_typed_and_saves_nothing(
    client, auth, backend, module, editing, kind, field
):
    url = form_url(module, kind, editing)

    refused = post_item(
        auth,
        url,
        {"title": "Typed title", "body": "Typed intro"},
        {field: ("virus.pdf", "application/pdf", ELF)},
    )

    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'value="Typed title"' in html and re.search(r">\s*Typed intro</textarea>", html)
    error = re.search(rf'<p class="error" id="{field}-upload-server-error">([^<]*)</p>', html)
    assert error and "virus.pdf" in error.group(1) and "not application/pdf" in error.group(1)
    assert re.search(rf'id="{field}-upload-file"[^>]*aria-invalid="true"', html)
    assert [i.title for i in items()] == (["Before"] if editing else [])
    assert all(a.status != "ready" for a in assets())


def test_a_file_sent_with_an_incomplete_form_stays_chosen(client, auth, backend, module):
    url = form_url(module, "video", editing=False)
    video = make_video(1.0)

    refused = post_item(
        auth,
        url,
        {"title": "", "min_watch_percent": "75"},
        {"media_id": ("talk.mp4", "video/mp4", video)},
    )

    html = refused.get_data(as_text=True)
    [asset] = assets()
    assert refused.status_code == 422 and "Give the item a title." in html
    assert re.search(rf'<option selected value="{asset.id}">talk.mp4</option>', html)
    assert 'value="75"' in html
    saved = post_item(auth, url, {"title": "Talk", "media_id": str(asset.id)}, {})
    assert saved.status_code == 302
    assert [(i.title, i.media_id) for i in items()] == [("Talk", asset.id)]
    assert db.session.scalar(select(func.count(MediaAsset.id))) == 1, "sent once"


def test_a_co_instructor_who_may_not_upload_is_told_so(client, auth, backend, people, module):
    """Any member can be a co-instructor; only instructors upload (the media library's rule)."""
    module.course.instructor_links.append(CourseInstructor(user_id=people.member.id))
    db.session.commit()
    url = form_url(module, "file", editing=False)
    auth.logout()
    auth.login(people.member.email)
    page = client.get(url).get_data(as_text=True)
    assert "Only instructors can upload files" in page and "_upload" not in page

    refused = post_item(
        auth,
        url,
        {"title": "Typed title"},
        {"media_id": ("handout.pdf", "application/pdf", pdf_bytes(4096))},
    )

    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "handout.pdf: Only instructors can do this." in html and 'value="Typed title"' in html
    assert items() == [] and assets() == []
