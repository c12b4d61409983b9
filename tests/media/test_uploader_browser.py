"""The uploader in headless Chromium: a 12 MiB upload to 100%, then a reload and a resume."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.extensions import db
from lms.media.models import MediaAsset
from lms.storage import build_storage
from tests.browser import assert_accessible, log_in
from tests.factories import make_user
from tests.media.conftest import s3_config, swapped_storage
from tests.media.uploads import MiB, pdf_bytes, sha256

pytestmark = pytest.mark.browser

PART_DATA = "**/api/v1/uploads/*/parts/*/data"


def asset_named(name: str) -> MediaAsset:
    db.session.expire_all()
    return db.session.execute(select(MediaAsset).filter_by(original_name=name)).scalar_one()


def upload_with_widget(page, path) -> None:
    page.get_by_label("File to upload").set_input_files(str(path))
    page.get_by_role("button", name="Upload", exact=True).click()


def test_upload_reaches_100_percent_then_a_reload_resumes(page, app_ctx, local_backend, tmp_path):
    teacher = make_user(role="instructor")
    log_in(page, teacher.email)
    page.goto("/studio/media/upload")
    assert_accessible(page)

    first = tmp_path / "webinar-one.pdf"
    first.write_bytes(pdf_bytes(12 * MiB))
    upload_with_widget(page, first)

    expect(page.locator("[data-uploader-done]")).to_contain_text("Upload complete", timeout=60_000)
    assert page.locator("#upload-progress").evaluate("bar => bar.value") == 100
    expect(page.locator("[data-uploader-figures]")).to_contain_text("100%")
    expect(page.locator("[data-uploader-announce]")).to_contain_text("Upload complete")
    done = asset_named("webinar-one.pdf")
    assert (done.status, done.size) == ("ready", 12 * MiB)
    assert_accessible(page)

    second = tmp_path / "webinar-two.pdf"
    data = pdf_bytes(12 * MiB)
    second.write_bytes(data)
    held = []

    def only_part_one(route) -> None:
        if route.request.url.endswith("/parts/1/data"):
            route.continue_()
        else:
            held.append(route)  # never answered: the connection "stalls" mid-upload

    page.route(PART_DATA, only_part_one)
    with page.expect_response(lambda r: r.url.endswith("/parts/1/data")) as part_one:
        upload_with_widget(page, second)
    assert part_one.value.status == 200
    assert held, "parts 2 and 3 should have been started in parallel"
    pending = asset_named("webinar-two.pdf")
    assert pending.status == "pending"

    page.reload()
    page.unroute(PART_DATA)
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "PUT" else None)
    upload_with_widget(page, second)

    expect(page.locator("[data-uploader-done]")).to_contain_text("Upload complete", timeout=60_000)
    assert sorted(url.rsplit("/parts/", 1)[1] for url in sent) == ["2/data", "3/data"]
    resumed = asset_named("webinar-two.pdf")
    assert resumed.id == pending.id
    assert (resumed.status, resumed.checksum) == ("ready", sha256(data))
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('lms-upload:'))") == []


def test_cancel_aborts_the_upload(page, app_ctx, local_backend, tmp_path):
    teacher = make_user(role="instructor")
    log_in(page, teacher.email)
    page.goto("/studio/media/upload")
    page.route(PART_DATA, lambda route: None)  # parts hang until cancelled
    path = tmp_path / "cancel-me.pdf"
    path.write_bytes(pdf_bytes(6 * MiB))

    upload_with_widget(page, path)
    page.get_by_role("button", name="Cancel upload").click()

    expect(page.locator("[data-uploader-done]")).to_contain_text("Upload cancelled")
    db.session.expire_all()
    assert db.session.execute(select(MediaAsset)).first() is None


@pytest.mark.s3
def test_s3_mode_parts_go_from_the_browser_straight_to_the_store(page, app, app_ctx, s3_server,
                                                                  live_server, tmp_path):
    config = s3_config(s3_server)
    storage = build_storage(config)
    storage.ensure_bucket([live_server.url])  # the CORS rule `lms storage init` writes
    teacher = make_user(role="instructor")
    path = tmp_path / "webinar-s3.pdf"
    data = pdf_bytes(12 * MiB)
    path.write_bytes(data)
    with swapped_storage(app, storage, config):
        log_in(page, teacher.email)
        page.goto("/studio/media/upload")
        sent = []
        page.on("request", lambda r: sent.append(r.url) if r.method == "PUT" else None)

        upload_with_widget(page, path)

        expect(page.locator("[data-uploader-done]")).to_contain_text("Upload complete",
                                                                     timeout=60_000)
    assert len(sent) == 3
    assert all(url.startswith(s3_server.endpoint_url) for url in sent)
    assert asset_named("webinar-s3.pdf").status == "ready"
    assert storage.read_range(asset_named("webinar-s3.pdf").storage_key, 0, 99) == data[:100]
