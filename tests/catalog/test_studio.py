"""The studio's HTML pages, driven through the test client without JavaScript."""

from __future__ import annotations

import re

import pytest

from lms.catalog.models import Course, Item, Module
from lms.extensions import db
from tests.factories import make_course, make_item, make_media, make_module, make_user

HOSTILE_MARKDOWN = """## Welcome

<script>alert('x')</script>

<img src="x.png" onerror="alert(1)" alt="pic">

A [click me](javascript:alert(1)) link and
<a href="JaVaScRiPt:alert(2)" onclick="alert(3)">sneaky</a>.

<iframe src="https://evil.example/"></iframe>

Plain **bold** text.
"""


def assert_harmless(html: str) -> None:
    """No script element, event handler, ``javascript:`` URL or frame (text may mention them)."""
    lowered = html.lower()
    for bad in ("<script", "onerror=", "onclick=", "<iframe"):
        assert bad not in lowered, bad
    assert not re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", lowered)


def preview_section(html: str) -> str:
    return html.split('id="preview"', 1)[1].split("</section>", 1)[0]


@pytest.fixture
def teacher(app_ctx, auth):
    user = make_user(role="instructor")
    auth.login(user.email)
    return user


def test_studio_lists_my_courses_and_admins_see_all(client, auth, app_ctx):
    teacher = make_user(role="instructor")
    mine = make_course(instructors=[teacher], title="Mine", status="draft")
    make_course(instructors=[make_user(role="instructor")], title="Theirs")
    auth.login(teacher.email)
    page = client.get("/studio/").get_data(as_text=True)
    assert "Mine" in page and "Theirs" not in page
    assert f"/studio/courses/{mine.id}" in page
    auth.logout()
    auth.login(make_user(role="admin").email)
    page = client.get("/studio/").get_data(as_text=True)
    assert "Mine" in page and "Theirs" in page


def test_create_edit_and_build_an_outline_without_javascript(client, auth, teacher):
    created = auth.post("/studio/courses/new", {"title": "Serving Teens", "summary": "YA",
                                                "format": "course", "ce_hours": "1.25"})
    assert created.status_code == 302
    course = db.session.execute(db.select(Course)).scalar_one()
    assert created.location.endswith(f"/studio/courses/{course.id}/outline")
    assert (course.slug, course.status, course.instructors) == ("serving-teens", "draft",
                                                               [teacher])
    bad = auth.post(f"/studio/courses/{course.id}", {
        "title": "Serving Teens", "slug": "serving-teens", "format": "course",
        "ce_hours": "0", "access": "open"})
    assert bad.status_code == 422
    assert "CE hours must be more than 0" in bad.get_data(as_text=True)
    saved = auth.post(f"/studio/courses/{course.id}", {
        "title": "Serving Teens Well", "slug": "serving-teens", "format": "webinar",
        "ce_hours": "2", "access": "open", "audience": ["student", "early_career"],
        "presenters": "Ana Lima\nKwame Mensah", "certificate_enabled": "y"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert course.title == "Serving Teens Well" and course.format == "webinar"
    assert sorted(a.career_stage for a in course.audience) == ["early_career", "student"]
    for title in ("Basics", "Programs"):
        auth.post(f"/studio/courses/{course.id}/modules", {"title": title})
    outline = client.get(f"/studio/courses/{course.id}/outline").get_data(as_text=True)
    assert "1. Basics" in outline and "2. Programs" in outline


def test_reorder_works_with_plain_post_buttons(client, auth, teacher):
    course = make_course(instructors=[teacher], modules=2, items_per_module=3, status="draft")
    first, second = course.modules
    third_item = first.items[2]
    auth.post(f"/studio/items/{third_item.id}/move", {"direction": "up"})
    auth.post(f"/studio/modules/{second.id}/move", {"direction": "up"})
    db.session.expire_all()
    assert [i.title for i in first.items] == ["Reading 1.1", "Reading 1.3", "Reading 1.2"]
    assert [m.title for m in db.session.get(Course, course.id).modules] == ["Module 2",
                                                                            "Module 1"]
    auth.post(f"/studio/items/{third_item.id}/move", {"module_id": str(second.id)})
    db.session.expire_all()
    assert third_item.module_id == second.id and third_item.position == 3
    assert [i.position for i in first.items] == [0, 1]
    page = client.get(f"/studio/courses/{course.id}/outline").get_data(as_text=True)
    order = [page.index(f"Reading {n}") for n in ("2.1", "2.3", "1.3", "1.1", "1.2")]
    assert order == sorted(order)
    auth.post(f"/studio/items/{first.items[0].id}/delete")
    auth.post(f"/studio/modules/{second.id}/delete")
    db.session.expire_all()
    assert [m.title for m in db.session.get(Course, course.id).modules] == ["Module 1"]
    assert [i.title for i in db.session.get(Module, first.id).items] == ["Reading 1.2"]


def test_reading_preview_and_saved_text_are_sanitised(client, auth, teacher):
    course = make_course(instructors=[teacher], modules=1, status="draft")
    module = course.modules[0]
    url = f"/studio/modules/{module.id}/items/new/reading"
    preview = auth.post(url, {"title": "Hostile", "body": HOSTILE_MARKDOWN, "required": "y",
                              "preview": "1"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    rendered = preview_section(html)
    assert "<h2>Welcome</h2>" in rendered and "<strong>bold</strong>" in rendered
    assert_harmless(rendered)
    assert db.session.scalar(db.select(db.func.count(Item.id))) == 0, "preview saves nothing"
    saved = auth.post(url, {"title": "Hostile", "body": HOSTILE_MARKDOWN, "required": "y",
                            "save": "1"})
    item = db.session.execute(db.select(Item)).scalar_one()
    assert saved.location.endswith(f"/studio/items/{item.id}")
    page = client.get(saved.location).get_data(as_text=True)
    assert_harmless(preview_section(page))
    assert "sneaky" in page


def test_attaching_media_and_publish_refusal_lists_reasons(client, auth, teacher):
    course = make_course(instructors=[teacher], modules=1, status="draft")
    pending = make_media(uploader_id=teacher.id, status="pending", original_name="talk.mp4")
    make_media(uploader_id=make_user().id, original_name="someone-else.mp4")
    form = client.get(f"/studio/modules/{course.modules[0].id}/items/new/video")
    assert "talk.mp4 (pending)" in form.get_data(as_text=True)
    assert "someone-else.mp4" not in form.get_data(as_text=True)
    added = auth.post(f"/studio/modules/{course.modules[0].id}/items/new/video",
                      {"title": "Keynote", "media_id": str(pending.id), "required": "y",
                       "min_watch_percent": "80"})
    assert added.status_code == 302
    refused = auth.post(f"/studio/courses/{course.id}/publish")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    refusal = html.split('id="publish-refusal"', 1)[1]
    assert re.search(r"<li>[^<]*Keynote[^<]*pending", refusal)
    pending.status = "ready"
    db.session.commit()
    published = auth.post(f"/studio/courses/{course.id}/publish")
    assert published.status_code == 302
    db.session.expire_all()
    assert course.status == "published" and course.version == 2


def test_duplicate_unpublish_and_archive_buttons(client, auth, teacher):
    course = make_course(instructors=[teacher], modules=1, items_per_module=2, title="Grants")
    copied = auth.post(f"/studio/courses/{course.id}/duplicate")
    copy = db.session.execute(db.select(Course).where(Course.id != course.id)).scalar_one()
    assert copied.location.endswith(f"/studio/courses/{copy.id}")
    assert (copy.title, copy.status, len(copy.modules[0].items)) == ("Copy of Grants", "draft", 2)
    assert auth.post(f"/studio/courses/{course.id}/unpublish").status_code == 302
    assert auth.post(f"/studio/courses/{course.id}/archive").status_code == 302
    db.session.expire_all()
    assert course.status == "archived"
    again = auth.post(f"/studio/courses/{course.id}/archive")
    assert again.status_code == 409 and "already archived" in again.get_data(as_text=True)


def test_co_instructor_added_by_email_can_edit(client, auth, app_ctx):
    owner = make_user(role="instructor")
    colleague = make_user(email="colleague@example.org")
    course = make_course(instructors=[owner], modules=1, status="draft")
    auth.login(owner.email)
    unknown = auth.post(f"/studio/courses/{course.id}/instructors", {"email": "no@example.org"})
    assert unknown.status_code == 422 and "No member has that email" in unknown.get_data(
        as_text=True)
    auth.post(f"/studio/courses/{course.id}/instructors", {"email": "COLLEAGUE@example.org"})
    auth.logout()
    auth.login(colleague.email)
    assert course.title in client.get("/studio/").get_data(as_text=True)
    renamed = auth.post(f"/studio/modules/{course.modules[0].id}", {"title": "Shared work"})
    assert renamed.status_code == 302
    item = make_item(course.modules[0], title="Notes")
    edited = auth.post(f"/studio/items/{item.id}", {"title": "Shared notes", "body": "Hi",
                                                    "save": "1"})
    assert edited.status_code == 302
    db.session.expire_all()
    assert course.modules[0].title == "Shared work" and item.title == "Shared notes"
    assert item.is_required is False, "an unticked checkbox means optional"


def test_video_item_form_attaches_captions(client, auth, teacher):
    course = make_course(instructors=[teacher], status="draft")
    module = make_module(course)
    video = make_media(uploader_id=teacher.id)
    vtt = make_media(uploader_id=teacher.id, kind="captions", content_type="text/vtt",
                     original_name="talk.en.vtt")
    response = auth.post(f"/studio/modules/{module.id}/items/new/video", {
        "title": "Talk", "required": "y", "media_id": str(video.id),
        "captions_media_id": str(vtt.id), "min_watch_percent": "90"})
    assert response.status_code == 302
    item = db.session.execute(db.select(Item)).scalar_one()
    assert item.media_id == video.id and [c.media_id for c in item.captions] == [vtt.id]
    page = client.get(f"/studio/items/{item.id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{vtt.id}">|<option value="{vtt.id}" selected',
                     page)


def test_studio_links_to_the_player_preview(client, auth, teacher):
    course = make_course(instructors=[teacher], modules=1, items_per_module=1, status="draft")
    item = course.modules[0].items[0]
    player = f"/learn/{course.slug}/items/{item.id}"
    page = client.get(f"/studio/courses/{course.id}").get_data(as_text=True)
    assert f'href="{player}">Preview as a member' in page
    assert f'href="{player}">See this item' in client.get(f"/studio/items/{item.id}").get_data(
        as_text=True)
    assert client.get(player).status_code == 200, "editors may preview a draft"
