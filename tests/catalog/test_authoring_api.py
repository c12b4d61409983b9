"""The authoring API: create, edit, outline, publish rules, duplicate, co-instructors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lms import signals
from lms.catalog.models import Course, Item, Module
from lms.extensions import db
from tests.factories import api_headers, make_course, make_item, make_media, make_module, make_user


@pytest.fixture
def teacher(app_ctx):
    return make_user(role="instructor")


@pytest.fixture
def headers(teacher):
    return api_headers(teacher)


def new_course(client, headers, **over) -> dict:
    body = {"title": "Cataloguing with RDA", "summary": "Records that serve readers.",
            "format": "course", "ce_hours": 1.5} | over
    response = client.post("/api/v1/courses", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_create_course_makes_a_draft_taught_by_the_caller(client, teacher, headers):
    course = new_course(client, headers, description="**RDA** basics", topics=[])
    assert course["status"] == "draft"
    assert course["slug"] == "cataloguing-with-rda"
    assert course["ce_hours"] == 1.5
    assert course["instructors"] == [{"id": teacher.id, "name": teacher.name}]
    assert course["modules"] == []


def test_slugs_stay_unique_and_friendly(client, headers):
    first = new_course(client, headers, title="Café Programming!")
    second = new_course(client, headers, title="Café programming")
    assert (first["slug"], second["slug"]) == ("cafe-programming", "cafe-programming-2")
    taken = client.patch(f"/api/v1/courses/{second['id']}", json={"slug": "cafe-programming"},
                         headers=headers)
    assert taken.status_code == 422 and "slug" in taken.get_json()["errors"]
    renamed = client.patch(f"/api/v1/courses/{second['id']}", json={"slug": "cafe-2025"},
                           headers=headers)
    assert renamed.get_json()["slug"] == "cafe-2025"


@pytest.mark.parametrize("hours", [0, -1, 100.01, "1.555", "many", None, True])
def test_ce_hours_must_be_positive_at_most_100_with_two_decimals(client, headers, hours):
    response = client.post("/api/v1/courses", headers=headers,
                           json={"title": "T", "summary": "S", "format": "course",
                                 "ce_hours": hours})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "ce_hours" in response.get_json()["errors"]
    assert db.session.scalar(db.select(db.func.count(Course.id))) == 0


def test_patch_changes_fields_and_reports_every_bad_one(client, headers):
    course = new_course(client, headers)
    url = f"/api/v1/courses/{course['id']}"
    ok = client.patch(url, headers=headers, json={
        "ce_hours": "2.25", "format": "webinar", "recorded_on": "2025-03-04",
        "audience": ["early_career", "student"], "presenters": ["Ana Lima", "Kwame Mensah"],
        "access": "members", "in_order": True, "enrol_window_days": 540})
    body = ok.get_json()
    assert ok.status_code == 200, body
    assert (body["ce_hours"], body["format"], body["recorded_on"]) == (2.25, "webinar",
                                                                       "2025-03-04")
    assert sorted(body["audience"]) == ["early_career", "student"]
    assert body["presenters"] == ["Ana Lima", "Kwame Mensah"]
    bad = client.patch(url, headers=headers, json={"format": "podcast", "audience": ["guru"],
                                                   "colour": "red", "status": "published"})
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"status"}
    bad = client.patch(url, headers=headers, json={"format": "podcast", "audience": ["guru"],
                                                   "colour": "red"})
    assert set(bad.get_json()["errors"]) == {"format", "audience", "colour"}
    assert db.session.get(Course, course["id"]).format == "webinar"


def test_switching_certificates_on_sends_the_signal(client, headers):
    course = new_course(client, headers, certificate_enabled=False)
    sent = []

    def receiver(sender, **kwargs):
        sent.append(sender)

    with signals.certificates_enabled.connected_to(receiver):
        url = f"/api/v1/courses/{course['id']}"
        client.patch(url, json={"certificate_enabled": True}, headers=headers)
        client.patch(url, json={"certificate_enabled": True}, headers=headers)
    assert sent == [course["id"]]


def test_modules_and_items_are_added_in_order(client, headers):
    course = new_course(client, headers)
    first = client.post(f"/api/v1/courses/{course['id']}/modules", json={"title": "Basics"},
                        headers=headers)
    second = client.post(f"/api/v1/courses/{course['id']}/modules", json={"title": "More"},
                         headers=headers)
    assert first.status_code == 201
    assert first.get_json()["position"] == 0
    assert second.get_json()["position"] == 1
    module_id = first.get_json()["id"]
    item = client.post(f"/api/v1/modules/{module_id}/items", headers=headers,
                       json={"kind": "reading", "title": "Why RDA", "body": "# Hello"})
    assert item.status_code == 201
    assert item.get_json()["required"] is True
    assert item.get_json()["position"] == 0
    shown = client.get(f"/api/v1/courses/{course['id']}", headers=headers)
    assert shown.get_json()["modules"][0]["items"][0]["title"] == "Why RDA"


def test_quiz_settings_travel_in_the_item_created_signal(client, headers):
    course = new_course(client, headers)
    module = client.post(f"/api/v1/courses/{course['id']}/modules", json={"title": "M"},
                         headers=headers).get_json()
    seen = []

    def receiver(sender, item, settings, actor):
        seen.append((sender, item.kind, settings))

    with signals.item_created.connected_to(receiver):
        response = client.post(f"/api/v1/modules/{module['id']}/items", headers=headers,
                               json={"kind": "quiz", "title": "Check", "pass_percent": 80,
                                     "max_attempts": 3, "time_limit_seconds": 600})
    assert response.status_code == 201
    assert seen == [(response.get_json()["id"], "quiz",
                     {"pass_percent": 80, "max_attempts": 3, "time_limit_seconds": 600})]
    wrong = client.post(f"/api/v1/modules/{module['id']}/items", headers=headers,
                        json={"kind": "reading", "title": "R", "pass_percent": 80})
    assert wrong.status_code == 422 and "pass_percent" in wrong.get_json()["errors"]


def test_video_items_take_fitting_media_the_instructor_may_use(client, teacher, headers):
    course = make_course(instructors=[teacher], modules=1, status="draft")
    module_id = course.modules[0].id
    video = make_media(uploader_id=teacher.id)
    vtt = make_media(uploader_id=teacher.id, kind="captions", content_type="text/vtt",
                     original_name="en.vtt")
    pdf = make_media(uploader_id=teacher.id, kind="pdf", content_type="application/pdf")
    strangers = make_media(uploader_id=make_user(role="instructor").id)
    failed = make_media(uploader_id=teacher.id, status="failed")
    url = f"/api/v1/modules/{module_id}/items"

    def add(**fields):
        return client.post(url, headers=headers, json={"kind": "video", "title": "V"} | fields)

    ok = add(media_id=video.id, captions_media_id=vtt.id, slides_media_id=pdf.id,
             min_watch_percent=75)
    assert ok.status_code == 201, ok.get_json()
    assert ok.get_json()["captions"] == [{"language": "en", "label": "English",
                                          "media_id": vtt.id}]
    assert ok.get_json()["min_watch_percent"] == 75
    for fields, field in [({"media_id": strangers.id}, "media_id"),
                          ({"media_id": failed.id}, "media_id"),
                          ({"media_id": pdf.id}, "media_id"),
                          ({"media_id": 99999}, "media_id"),
                          ({"captions_media_id": video.id}, "captions_media_id"),
                          ({"min_watch_percent": 0}, "min_watch_percent"),
                          ({"min_watch_percent": 101}, "min_watch_percent")]:
        response = add(**fields)
        assert response.status_code == 422, fields
        assert field in response.get_json()["errors"], fields
    reading = client.post(url, headers=headers,
                          json={"kind": "reading", "title": "R", "media_id": video.id})
    assert reading.status_code == 422
    assert db.session.scalar(db.select(db.func.count(Item.id))) == 1


def test_publish_refuses_with_every_reason(client, teacher, headers):
    course = make_course(instructors=[teacher], status="draft")
    empty = client.post(f"/api/v1/courses/{course.id}/publish", headers=headers)
    assert empty.status_code == 409
    assert empty.mimetype == "application/problem+json"
    assert any("no required item" in r for r in empty.get_json()["errors"]["publish"])
    module = make_module(course)
    make_item(module, kind="video", title="Welcome", media=make_media(status="pending"))
    make_item(module, kind="video", title="Interview", body="")
    refused = client.post(f"/api/v1/courses/{course.id}/publish", headers=headers)
    reasons = refused.get_json()["errors"]["publish"]
    assert refused.status_code == 409
    assert len(reasons) == 2
    assert "Welcome" in reasons[0] and "pending" in reasons[0]
    assert "Interview" in reasons[1] and "no recording" in reasons[1]
    assert "Welcome" in refused.get_json()["detail"]
    assert db.session.get(Course, course.id).status == "draft"


def test_publish_waits_for_a_videos_length_to_be_read(client, teacher, headers):
    """A large upload is ready before a job has read its length; progress needs the length.
    A video whose length no job is reading (a file that states none) does not wait."""
    from lms.jobs.models import Job

    course = make_course(instructors=[teacher], status="draft")
    media = make_media(duration_seconds=None)
    make_item(make_module(course), kind="video", title="Keynote", media=media)
    reading = Job(name="media.read_duration", key=f"media-duration:{media.id}",
                  arguments={"media_id": media.id}, status="queued")
    db.session.add(reading)
    db.session.commit()

    refused = client.post(f"/api/v1/courses/{course.id}/publish", headers=headers)
    assert refused.status_code == 409
    assert refused.get_json()["errors"]["publish"] == [
        "The length of the recording of the video “Keynote” is still being read: "
        "publish again in a minute."]

    reading.status = "done"
    db.session.commit()
    assert client.post(f"/api/v1/courses/{course.id}/publish", headers=headers).status_code == 200


def test_publish_unpublish_archive(client, teacher, headers):
    course = make_course(instructors=[teacher], modules=1, items_per_module=1, status="draft")
    base = f"/api/v1/courses/{course.id}"
    published = client.post(f"{base}/publish", headers=headers).get_json()
    assert published["status"] == "published"
    assert published["version"] == 2 and published["published_at"]
    assert client.post(f"{base}/unpublish", headers=headers).get_json()["status"] == "draft"
    assert client.post(f"{base}/unpublish", headers=headers).status_code == 409
    assert client.post(f"{base}/archive", headers=headers).get_json()["status"] == "archived"
    assert client.post(f"{base}/archive", headers=headers).status_code == 409


def test_duplicate_makes_an_independent_draft(client, teacher, headers, app_ctx):
    other = make_user(role="instructor")
    video = make_media(uploader_id=teacher.id)
    vtt = make_media(kind="captions", content_type="text/vtt", uploader_id=teacher.id)
    course = make_course(instructors=[teacher, other], modules=2, items_per_module=2,
                         title="Weeding", ce_hours=Decimal("2"))
    item = make_item(course.modules[1], kind="video", title="Demo", media_id=video.id)
    db.session.add(item)
    client.patch(f"/api/v1/items/{item.id}", headers=headers, json={"captions_media_id": vtt.id})
    response = client.post(f"/api/v1/courses/{course.id}/duplicate", headers=headers)
    copy = response.get_json()
    assert response.status_code == 201
    assert copy["title"] == "Copy of Weeding" and copy["status"] == "draft"
    assert copy["slug"] != course.slug and copy["id"] != course.id
    assert copy["instructors"] == [{"id": teacher.id, "name": teacher.name}]
    assert [len(m["items"]) for m in copy["modules"]] == [2, 3]
    copied_video = db.session.get(Item, copy["modules"][1]["items"][2]["id"])
    assert copied_video.media_id == video.id
    assert [c.media_id for c in copied_video.captions] == [vtt.id]
    client.patch(f"/api/v1/items/{copied_video.id}", headers=headers, json={"title": "Changed"})
    client.delete(f"/api/v1/modules/{copy['modules'][0]['id']}", headers=headers)
    db.session.expire_all()
    assert db.session.get(Item, item.id).title == "Demo"
    assert len(db.session.get(Course, course.id).modules) == 2


def test_items_reorder_and_move_between_modules_of_one_course(client, teacher, headers):
    course = make_course(instructors=[teacher], modules=2, items_per_module=3, status="draft")
    first, second = course.modules
    a, b, c = first.items
    moved = client.patch(f"/api/v1/items/{c.id}", json={"position": 0}, headers=headers)
    assert moved.status_code == 200
    db.session.expire_all()
    assert [i.title for i in db.session.get(Module, first.id).items] == [
        "Reading 1.3", "Reading 1.1", "Reading 1.2"]
    across = client.patch(f"/api/v1/items/{a.id}", json={"module_id": second.id},
                          headers=headers)
    assert across.get_json()["module_id"] == second.id
    db.session.expire_all()
    assert [i.position for i in db.session.get(Module, first.id).items] == [0, 1]
    assert db.session.get(Module, second.id).items[-1].id == a.id
    elsewhere = make_course(instructors=[teacher], modules=1)
    refused = client.patch(f"/api/v1/items/{b.id}", json={"module_id": elsewhere.modules[0].id},
                           headers=headers)
    assert refused.status_code == 422
    swapped = client.patch(f"/api/v1/modules/{second.id}", json={"position": 0}, headers=headers)
    assert swapped.get_json()["position"] == 0


def test_co_instructors_are_added_by_id_and_can_edit(client, teacher, headers):
    course = make_course(instructors=[teacher], status="draft")
    colleague = make_user()
    added = client.post(f"/api/v1/courses/{course.id}/instructors",
                        json={"member_id": colleague.id}, headers=headers)
    assert added.status_code == 200
    assert [i["id"] for i in added.get_json()["instructors"]] == [teacher.id, colleague.id]
    edit = client.patch(f"/api/v1/courses/{course.id}", json={"title": "Shared"},
                        headers=api_headers(colleague))
    assert edit.status_code == 200 and edit.get_json()["title"] == "Shared"
    unknown = client.post(f"/api/v1/courses/{course.id}/instructors", json={"member_id": 999},
                          headers=headers)
    assert unknown.status_code == 422
    client.delete(f"/api/v1/courses/{course.id}/instructors/{teacher.id}", headers=headers)
    last = client.delete(f"/api/v1/courses/{course.id}/instructors/{colleague.id}",
                         headers=api_headers(colleague))
    assert last.status_code == 409
