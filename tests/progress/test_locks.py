"""Locked items stay locked at every door: each item kind, each entry point, API and HTML.

A course taken in order, or a module with a prerequisite, locks later items until the
earlier ones are done. Whatever a member does to a locked item (open it, report
progress, download its file, play its media, take its quiz) is refused with the reason
(409 in the API, a message on the page) and records nothing; once the earlier item is
done, the same request works.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lms.catalog.models import Caption
from lms.extensions import db
from lms.progress.models import ItemProgress, LearningEvent
from lms.progress.service import mark_done
from lms.quizzes.models import Attempt
from tests.factories import (
    Auth,
    api_headers,
    csrf_from,
    enrol,
    make_course,
    make_item,
    make_media,
    make_module,
    make_user,
)

KINDS = ("video", "reading", "file", "quiz")
LOCKS = {"order": "Complete 'Start here' first.",
         "prerequisite": "Complete the module 'Basics' first."}
QUESTION = {"kind": "true_false", "prompt": "Libraries lend books.", "answer": True}


def stored_media(**over):
    """A ready asset whose bytes are in the store, so an allowed download really works."""
    from lms.storage import get_storage

    media = make_media(**over)
    get_storage().save(media.storage_key, io.BytesIO(b"%PDF-1.4 handout"), media.content_type)
    return media


def build(lock: str, kind: str, client: FlaskClient) -> SimpleNamespace:
    """A course whose ``kind`` item is locked behind a reading, and a logged-in member."""
    instructor = make_user(role="instructor")
    course = make_course(instructors=[instructor], in_order=lock == "order")
    basics = make_module(course, title="Basics")
    first = make_item(basics, title="Start here")
    module = basics if lock == "order" else make_module(course, title="Practice",
                                                        prerequisite_id=basics.id)
    target = make_target(module, kind)
    if kind == "quiz":
        added = client.post(f"/api/v1/items/{target.id}/questions", json=QUESTION,
                            headers=api_headers(instructor))
        assert added.status_code == 201, added.get_json()
    member = make_user()
    enrol(member, course)
    Auth(client).login(member.email)
    return SimpleNamespace(course=course, first=first, item=target, member=member,
                           headers=api_headers(member), reason=LOCKS[lock])


def make_target(module, kind: str):
    if kind == "video":
        item = make_item(module, kind="video", title="Recording",
                         media=stored_media(duration_seconds=120.0))
        captions = stored_media(kind="captions", content_type="text/vtt",
                                original_name="en.vtt", duration_seconds=None)
        db.session.add(Caption(item_id=item.id, media_id=captions.id))
        db.session.commit()
        return item
    if kind == "file":
        return make_item(module, kind="file", title="Handout", body="", media=stored_media(
            kind="document", content_type="application/pdf", original_name="handout.pdf",
            duration_seconds=None))
    if kind == "quiz":
        return make_item(module, kind="quiz", title="Check", body="")
    return make_item(module, title="Second reading")


def unlock(world: SimpleNamespace) -> None:
    mark_done(world.member, world.first.id)
    db.session.commit()


def recorded(world: SimpleNamespace) -> dict:
    """What the database holds about the member and the target item."""
    row = db.session.execute(select(ItemProgress).where(
        ItemProgress.user_id == world.member.id,
        ItemProgress.item_id == world.item.id)).scalar_one_or_none()
    events = db.session.scalar(select(func.count()).select_from(LearningEvent).where(
        LearningEvent.user_id == world.member.id, LearningEvent.item_id == world.item.id))
    attempts = db.session.scalar(select(func.count()).select_from(Attempt).where(
        Attempt.user_id == world.member.id))
    return {"opened": row is not None and row.first_opened_at is not None,
            "status": row.status if row else None, "events": events, "attempts": attempts}


NOTHING = {"opened": False, "status": None, "events": 0, "attempts": 0}


def page_text(client: FlaskClient, path: str) -> str:
    return client.get(path).get_data(as_text=True)


def post_form(client: FlaskClient, path: str, page: str):
    """Submit a form the way a browser does: with the CSRF token of the page it is on."""
    return client.post(path, data={"csrf_token": csrf_from(page_text(client, page))})


def player(world) -> str:
    return f"/learn/{world.course.slug}/items/{world.item.id}"


def progress_body(kind: str) -> dict:
    if kind == "video":
        return {"position": 0, "played": []}
    return {"completed": True}


@dataclass(frozen=True)
class EntryPoint:
    """One way a member acts on an item: the request, and how an allowed one answers."""

    name: str
    kinds: tuple[str, ...]
    send: Callable[[FlaskClient, SimpleNamespace], object]
    #: Checks the answer once the item is unlocked (the lock must not be all it does).
    allowed: Callable[[object, SimpleNamespace], bool]
    html: bool = False


def media_content(client: FlaskClient, world, which: str):
    """The item's media (or its captions) as the player fetches it, read and closed."""
    media_id = world.item.captions[0].media_id if which == "captions" else world.item.media_id
    response = client.get(f"/api/v1/media/{media_id}/content", headers=world.headers)
    response.get_data()
    response.close()
    return response


ENTRY_POINTS = [
    EntryPoint("api: open the item", KINDS,
               lambda c, w: c.get(f"/api/v1/items/{w.item.id}", headers=w.headers),
               lambda r, w: r.status_code == 200 and r.get_json()["title"] == w.item.title),
    EntryPoint("api: report progress", KINDS,
               lambda c, w: c.post(f"/api/v1/items/{w.item.id}/progress",
                                   json=progress_body(w.item.kind), headers=w.headers),
               # Quizzes complete by passing: unlocked, the report is refused as invalid.
               lambda r, w: r.status_code == (422 if w.item.kind == "quiz" else 200)),
    EntryPoint("api: media content", ("video", "file"),
               lambda c, w: media_content(c, w, "item"),
               lambda r, w: r.status_code == 200 and r.get_data() == b"%PDF-1.4 handout"),
    EntryPoint("api: captions content", ("video",),
               lambda c, w: media_content(c, w, "captions"),
               lambda r, w: r.status_code == 200),
    EntryPoint("api: start a quiz attempt", ("quiz",),
               lambda c, w: c.post(f"/api/v1/items/{w.item.id}/attempts", headers=w.headers),
               lambda r, w: r.status_code == 201 and len(r.get_json()["questions"]) == 1),
    EntryPoint("html: player", KINDS,
               lambda c, w: c.get(player(w)),
               lambda r, w: r.status_code == 200 and "This item is locked" not in r.get_data(
                   as_text=True), html=True),
    EntryPoint("html: mark as done", ("reading",),
               lambda c, w: post_form(c, f"{player(w)}/done", player(w)),
               lambda r, w: r.status_code == 302 and recorded(w)["status"] == "completed",
               html=True),
    EntryPoint("html: download the file", ("file",),
               lambda c, w: post_form(c, f"{player(w)}/download", player(w)),
               lambda r, w: (r.status_code == 303 and "/content" in r.headers["Location"]
                             and recorded(w)["status"] == "completed"), html=True),
    EntryPoint("html: quiz page", ("quiz",),
               lambda c, w: c.get(f"/quiz/{w.item.id}"),
               lambda r, w: r.status_code == 200 and "Start the quiz" in r.get_data(
                   as_text=True), html=True),
    EntryPoint("html: start the quiz", ("quiz",),
               lambda c, w: post_form(c, f"/quiz/{w.item.id}/start", f"/quiz/{w.item.id}"),
               lambda r, w: r.status_code == 302 and "/quiz/attempts/" in r.headers["Location"],
               html=True),
]

CASES = [pytest.param(entry, kind, lock, id=f"{entry.name}-{kind}-{lock}")
         for entry in ENTRY_POINTS for kind in entry.kinds for lock in LOCKS]


def assert_refused(response, world, client: FlaskClient, entry: EntryPoint) -> None:
    """409 with the reason in the API; on a page, the reason in words, with no way on."""
    message = f"This item is locked. {world.reason}"
    if not entry.html:
        assert response.status_code == 409, response.get_data(as_text=True)
        assert response.get_json()["detail"] == message
        return
    if response.status_code in (302, 303):  # a form: back to a page that says why
        response = client.get(response.headers["Location"])
    html = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 200 and message in html
    assert "Start the quiz" not in html and "Mark as done" not in html
    assert "Download handout.pdf" not in html


@pytest.mark.parametrize(("entry", "kind", "lock"), CASES)
def test_a_locked_item_refuses_every_entry_point_until_the_earlier_item_is_done(
        app_ctx, client, entry, kind, lock):
    world = build(lock, kind, client)

    assert_refused(entry.send(client, world), world, client, entry)
    assert recorded(world) == NOTHING

    unlock(world)
    response = entry.send(client, world)
    assert entry.allowed(response, world), response.get_data(as_text=True)[:500]


@pytest.mark.parametrize("lock", LOCKS)
def test_a_quiz_passed_while_locked_never_counts(app_ctx, client, lock):
    """An attempt started before an earlier required item was added can't be answered or
    submitted until that item is done; then it is, and passing completes the quiz."""
    world = build(lock, "quiz", client)
    unlock(world)
    started = client.post(f"/api/v1/items/{world.item.id}/attempts", headers=world.headers)
    attempt = started.get_json()
    question = attempt["questions"][0]
    true = next(choice["id"] for choice in question["choices"] if choice["text"] == "True")
    # The instructor adds a new first item: the quiz is locked again behind it.
    world.first = make_item(world.first.module, title="Start here", position=-1)
    answers = {"answers": {str(question["id"]): [true]}}
    submit = f"/api/v1/attempts/{attempt['id']}/submit"

    saved = client.put(f"/api/v1/attempts/{attempt['id']}/answers", json=answers,
                       headers=world.headers)
    submitted = client.post(submit, json=answers, headers=world.headers)
    form = client.post(f"/quiz/attempts/{attempt['id']}", data={
        "csrf_token": csrf_from(page_text(client, f"/quiz/attempts/{attempt['id']}")),
        f"q{question['id']}": str(true), "action": "submit"}, follow_redirects=True)

    for response in (saved, submitted):
        assert response.status_code == 409
        assert response.get_json()["detail"] == f"This item is locked. {world.reason}"
    assert f"This item is locked. {world.reason}" in form.get_data(as_text=True).replace(
        "&#39;", "'")
    assert db.session.get(Attempt, attempt["id"]).submitted_at is None
    assert recorded(world)["status"] is None

    unlock(world)
    passed = client.post(submit, json=answers, headers=world.headers)
    assert passed.status_code == 200 and passed.get_json()["passed"] is True, passed.get_json()
    assert recorded(world)["status"] == "completed"


def test_an_editor_previews_locked_items_without_being_locked_out(app_ctx, client):
    world = build("order", "quiz", client)
    editor = api_headers(world.course.instructor_links[0].user)
    assert client.get(f"/api/v1/items/{world.item.id}", headers=editor).status_code == 200
    assert client.post(f"/api/v1/items/{world.item.id}/attempts",
                       headers=editor).status_code == 201


@pytest.mark.parametrize("lock", LOCKS)
def test_a_video_opened_before_it_was_locked_takes_no_progress(app_ctx, client, lock):
    """Its progress row exists (PostgreSQL's two-statement report path reads it), yet
    once a new earlier item locks it again, reports are refused until that item is done."""
    world = build(lock, "video", client)
    unlock(world)
    assert client.get(f"/api/v1/items/{world.item.id}", headers=world.headers).status_code == 200
    world.first = make_item(world.first.module, title="Start here", position=-1)
    report = {"position": 5, "played": [[0, 5]]}
    url = f"/api/v1/items/{world.item.id}/progress"

    refused = client.post(url, json=report, headers=world.headers)
    assert refused.status_code == 409
    assert refused.get_json()["detail"] == f"This item is locked. {world.reason}"
    assert db.session.execute(select(ItemProgress.watched_seconds).where(
        ItemProgress.user_id == world.member.id,
        ItemProgress.item_id == world.item.id)).scalar_one() == 0

    unlock(world)
    assert client.post(url, json=report, headers=world.headers).status_code == 200
