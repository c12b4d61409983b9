"""The upload page, its no-JavaScript form, and the "My media" list."""

from __future__ import annotations

import io

from lms.media.api import OPENAPI
from lms.openapi import API_PREFIX, openapi_path
from tests.factories import make_media, make_user
from tests.media.uploads import pdf_bytes


def test_instructors_get_the_upload_page(client, auth, app_ctx, local_backend):
    user = make_user(role="instructor")
    auth.login(user.email)

    page = client.get("/studio/media/upload").get_data(as_text=True)

    assert "data-uploader" in page
    assert '<progress id="upload-progress"' in page
    assert 'aria-live="polite"' in page
    assert "js/uploader.js" in page and "css/media.css" in page
    assert "style=" not in page and "<script>" not in page


def test_members_are_refused_and_visitors_sent_to_log_in(client, auth, app_ctx):
    assert client.get("/studio/media/upload").status_code == 302
    member = make_user()
    auth.login(member.email)

    assert client.get("/studio/media/upload").status_code == 403
    assert client.get("/studio/media").status_code == 403


def test_the_form_uploads_without_javascript(client, auth, app_ctx, local_backend):
    user = make_user(role="instructor")
    auth.login(user.email)
    data = {"file": (io.BytesIO(pdf_bytes(5000)), "handout.pdf", "application/pdf")}

    response = auth.post(
        "/studio/media/upload", data=data, content_type="multipart/form-data", follow_redirects=True
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Uploaded handout.pdf" in page
    assert "handout.pdf" in page and "ready" in page


def test_the_form_shows_why_a_file_was_refused(client, auth, app_ctx, local_backend):
    user = make_user(role="instructor")
    auth.login(user.email)
    data = {"file": (io.BytesIO(b"\x7fELF" + b"\x00" * 100), "talk.mp4", "video/mp4")}

    response = auth.post("/studio/media/upload", data=data, content_type="multipart/form-data")

    assert response.status_code == 400
    assert "not video/mp4" in response.get_data(as_text=True)


def test_every_media_route_is_documented(app):
    routes = {
        (method.lower(), openapi_path(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("media_api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(m, path) for path, ops in OPENAPI.items() for m in ops}

    assert routes == documented
    assert all(path.startswith(API_PREFIX + "/") is False for _, path in routes)


def test_my_media_says_when_a_length_is_still_being_read(client, auth, app_ctx):
    user = make_user(role="instructor")
    make_media(uploader_id=user.id, original_name="keynote.mp4", duration_seconds=None)
    make_media(uploader_id=user.id, original_name="panel.mp4", duration_seconds=65.0)
    auth.login(user.email)

    page = client.get("/studio/media").get_data(as_text=True)

    assert "<td>being read</td>" in page and "<td>1 minute 5 seconds</td>" in page
