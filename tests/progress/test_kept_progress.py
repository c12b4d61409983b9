"""The player and My learning keep each member's progress between views: every kind of
write to the member's progress shows on the very next view, and nothing else leaks."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from lms.extensions import db
from lms.progress.models import ItemProgress
from tests.factories import api_headers, make_user


@pytest.fixture
def member_client(client, auth, setup):
    assert auth.login(setup.member.email).status_code in (302, 303)
    return client


def player(client, setup, item) -> str:
    response = client.get(f"/learn/{setup.course.slug}/items/{item.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def open_both(client, setup) -> None:
    """Open both items, then view again: what the page keeps is now up to date, so only
    the write a test makes next can make it stale."""
    for item in (setup.video, setup.reading, setup.video):
        player(client, setup, item)
    dashboard_percent(client)


def course_percent(html: str) -> int:
    return int(re.search(r'id="course-progress" max="100" value="(\d+)"', html).group(1))


def dashboard_percent(client) -> int:
    html = client.get("/my-learning").get_data(as_text=True)
    return int(re.search(r"(\d+)% complete", html).group(1))


def test_a_progress_report_shows_on_the_next_player_and_dashboard_view(member_client, setup,
                                                                       open_ago):
    open_ago(setup.member, setup.video, 600)
    open_both(member_client, setup)
    before = player(member_client, setup, setup.video)
    assert dashboard_percent(member_client) == 0
    report = member_client.post(f"/api/v1/items/{setup.video.id}/progress",
                                json={"position": 60, "played": [[0, 60]]},
                                headers=setup.headers)
    assert report.status_code == 200 and report.get_json()["percent"] == 50
    after = player(member_client, setup, setup.video)
    assert course_percent(before) == 0 and course_percent(after) > 0
    assert "50% watched" in after
    assert dashboard_percent(member_client) == course_percent(after)


def test_marking_a_reading_done_shows_in_the_outline_of_every_item(member_client, setup, auth):
    open_both(member_client, setup)
    auth.post(f"/learn/{setup.course.slug}/items/{setup.reading.id}/done")
    html = player(member_client, setup, setup.video)
    assert re.search(rf'status-completed">\s*<a href="[^"]*/items/{setup.reading.id}"', html)


def test_a_staff_override_shows_who_set_it(member_client, setup):
    open_both(member_client, setup)
    admin = make_user(role="admin", name="Pat Registrar")
    done = member_client.post(f"/api/v1/items/{setup.video.id}/completion",
                              json={"member_id": setup.member.id, "reason": "Live session"},
                              headers=api_headers(admin))
    assert done.status_code == 200
    html = player(member_client, setup, setup.video)
    assert "Marked complete by Pat Registrar: Live session" in html


def test_a_direct_update_of_a_progress_row_is_seen(member_client, setup):
    """Any UPDATE through SQLAlchemy moves ``revision``, so even writes the progress
    service does not know about (a script, a future feature) show on the next view."""
    open_both(member_client, setup)
    before = db.session.get(ItemProgress, _row_id(setup))
    revision = before.revision
    db.session.execute(update(ItemProgress).where(ItemProgress.id == before.id)
                       .values(status="completed", percent=100))
    db.session.commit()
    db.session.refresh(before)
    assert before.revision == revision + 1
    assert course_percent(player(member_client, setup, setup.video)) == 50
    assert dashboard_percent(member_client) == 50


def _row_id(setup) -> int:
    return db.session.scalar(db.select(ItemProgress.id).where(
        ItemProgress.user_id == setup.member.id, ItemProgress.item_id == setup.reading.id))


def test_the_open_item_alone_is_marked_current_in_a_kept_outline(member_client, setup):
    for item, other in ((setup.video, setup.reading), (setup.reading, setup.video),
                        (setup.video, setup.reading)):
        html = player(member_client, setup, item)
        assert re.search(rf'/items/{item.id}" aria-current="page"', html)
        assert not re.search(rf'/items/{other.id}" aria-current', html)
        assert html.count('aria-current="page"') == 1


def test_members_never_see_each_others_progress(client, auth, setup, open_ago):
    from tests.factories import enrol

    other = make_user()
    enrol(other, setup.course)
    open_ago(setup.member, setup.video, 600)
    client.post(f"/api/v1/items/{setup.video.id}/progress",
                json={"position": 120, "played": [[0, 120]]}, headers=setup.headers)
    auth.login(setup.member.email)
    assert course_percent(player(client, setup, setup.video)) == 50
    auth.logout()
    auth.login(other.email)
    assert course_percent(player(client, setup, setup.video)) == 0
    assert dashboard_percent(client) == 0
