"""The uploader in headless Chromium: a 12 MiB upload to 100%, then a reload and a resume;
the same uploader inside the studio's item form, on both storage backends."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.catalog.models import Item
from lms.extensions import db
from lms.media.models import MediaAsset
from lms.storage import build_storage
from tests.browser import assert_accessible, log_in, wait_until
from tests.factories import make_course, make_module, make_user
from tests.media.conftest import local_config, s3_config, swapped_storage
from tests.media.uploads import MiB, make_video, pdf_bytes, sha256

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
    # The page says so as it sends the abort; the server may take a moment to answer it.
    deadline = time.monotonic() + 10
    while db.session.execute(select(MediaAsset)).first() is not None:
        assert time.monotonic() < deadline, "the cancelled upload's media row is still there"
        db.session.rollback()
        time.sleep(0.1)


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


SRT = ("1\n00:00:00,000 --> 00:00:01,500\nWelcome to the talk.\n\n"
       "2\n00:00:01,500 --> 00:00:03,000\nLet us begin.\n")


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def any_store(request, app, live_server, tmp_path):
    """The app on a fresh local folder or moto bucket (CORS open to the live server)."""
    if request.param == "local":
        config = local_config(tmp_path)
    else:
        config = s3_config(request.getfixturevalue("s3_server"))
    storage = build_storage(config)
    storage.ensure_bucket([live_server.url])
    with swapped_storage(app, storage, config):
        yield storage


def item_form(page, teacher):
    module = make_module(make_course(instructors=[teacher], status="draft"), title="Week one")
    log_in(page, teacher.email)
    page.goto(f"/studio/modules/{module.id}/items/new/video")


def test_upload_and_caption_a_recording_inside_the_item_form(page, app_ctx, any_store, tmp_path):
    teacher = make_user(role="instructor")
    item_form(page, teacher)
    page.get_by_label("Title", exact=True).fill("Welcome talk")
    page.get_by_label("Watched to complete (percent)").fill("75")
    video, captions = tmp_path / "welcome.webm", tmp_path / "welcome.srt"
    video.write_bytes(make_video(3.0, fmt="webm"))
    captions.write_text(SRT)

    page.get_by_label("Or upload a recording").set_input_files(str(video))
    done = page.locator("#media_id-upload [data-uploader-done]")
    expect(done).to_contain_text("Upload complete: welcome.webm", timeout=60_000)
    expect(done).to_contain_text("It is now chosen as the recording.")
    assert page.locator("#media_id-upload-progress").evaluate("bar => bar.value") == 100
    recording = asset_named("welcome.webm")
    expect(page.get_by_label("Recording", exact=True)).to_have_value(str(recording.id))
    page.get_by_label("Or upload captions").set_input_files(str(captions))
    expect(page.locator("#captions_media_id-upload [data-uploader-announce]")).to_contain_text(
        "Upload complete: welcome.vtt", timeout=60_000)
    track = asset_named("welcome.vtt")
    expect(page.get_by_label("Captions", exact=True)).to_have_value(str(track.id))
    expect(page.get_by_label("Title", exact=True)).to_have_value("Welcome talk")
    assert_accessible(page)

    page.get_by_role("button", name="Add item").click()
    page.get_by_text("Item added").wait_for()
    expect(page.get_by_label("Title", exact=True)).to_have_value("Welcome talk")
    expect(page.get_by_label("Watched to complete (percent)")).to_have_value("75")
    assert_accessible(page)  # the edit form, with the uploads chosen
    db.session.expire_all()
    item = db.session.execute(select(Item)).scalar_one()
    assert (item.title, item.media_id, [c.media_id for c in item.captions]) == (
        "Welcome talk", recording.id, [track.id])
    assert len(db.session.execute(select(MediaAsset)).all()) == 2, "the form sent no file"

    page.get_by_role("link", name="See this item as a member would").click()
    expect(page.locator("h1")).to_have_text("Welcome talk")
    wait_until(page, "document.getElementById('video').readyState >= 1", timeout=30)
    page.click("#captions-toggle")
    wait_until(page, "(document.getElementById('video').textTracks[0].cues || []).length === 2")
    page.evaluate("document.getElementById('video').play()")
    wait_until(page, "document.getElementById('video').currentTime > 0.5")


def test_an_upload_in_the_item_form_is_keyboard_operable_and_can_be_cancelled(
        page, app_ctx, local_backend, tmp_path):
    teacher = make_user(role="instructor")
    item_form(page, teacher)
    cancel = page.get_by_role("button", name="Cancel recording upload")
    expect(cancel).to_be_hidden()
    page.get_by_label("Title", exact=True).fill("Kept title")
    page.route(PART_DATA, lambda route: None)  # parts hang until cancelled
    path = tmp_path / "long-talk.webm"
    path.write_bytes(make_video(2.0, fmt="webm") + b"\0" * (6 * MiB))

    page.get_by_label("Or upload a recording").set_input_files(str(path))
    expect(cancel).to_be_visible()
    page.get_by_role("button", name="Add item").click()
    expect(page.locator("#media_id-upload [data-uploader-error]")).to_contain_text(
        "Wait until long-talk.webm has uploaded")
    cancel.focus()
    page.keyboard.press("Enter")

    expect(page.locator("#media_id-upload [data-uploader-done]")).to_contain_text(
        "Upload cancelled")
    expect(cancel).to_be_hidden()
    expect(page.get_by_label("Recording", exact=True)).to_have_value("")
    expect(page.get_by_label("Title", exact=True)).to_have_value("Kept title")
    db.session.expire_all()
    assert db.session.execute(select(MediaAsset)).first() is None
    assert db.session.execute(select(Item)).first() is None


@pytest.fixture
def page_without_js(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_without_javascript_the_file_posts_with_the_item_form(
        page_without_js, app_ctx, local_backend, tmp_path):
    page = page_without_js
    teacher = make_user(role="instructor")
    item_form(page, teacher)
    assert page.get_by_role("button", name="Upload recording").is_hidden(), "needs JavaScript"
    page.get_by_label("Title", exact=True).fill("Offline talk")
    path = tmp_path / "offline.webm"
    path.write_bytes(make_video(1.0, fmt="webm"))
    page.get_by_label("Or upload a recording").set_input_files(str(path))

    page.get_by_role("button", name="Add item").click()

    page.get_by_text("Item added").wait_for()
    expect(page.get_by_label("Title", exact=True)).to_have_value("Offline talk")
    expect(page.get_by_label("Recording", exact=True)).to_have_value(
        str(asset_named("offline.webm").id))
