"""Video completion is earned in real time; resume positions never go back by accident."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from lms import signals
from lms.extensions import db, utcnow
from lms.progress.credit import VideoReport
from lms.progress.models import ItemProgress, LearningEvent
from lms.progress.service import open_item, record_video
from tests.factories import api_headers, make_user


def progress_row(member, item) -> ItemProgress:
    db.session.expire_all()
    return db.session.execute(db.select(ItemProgress).filter_by(
        user_id=member.id, item_id=item.id)).scalar_one()


def post(client, setup, body, item=None):
    item = item or setup.video
    return client.post(f"/api/v1/items/{item.id}/progress", json=body, headers=setup.headers)


def test_first_get_starts_the_clock_and_returns_the_video(client, setup):
    response = client.get(f"/api/v1/items/{setup.video.id}", headers=setup.headers)
    assert response.status_code == 200
    data = response.get_json()
    assert data["media_url"] == f"/api/v1/media/{setup.video.media_id}/content"
    assert data["duration_seconds"] == 120.0 and data["kind"] == "video"
    first = progress_row(setup.member, setup.video).first_opened_at
    assert first is not None
    client.get(f"/api/v1/items/{setup.video.id}", headers=setup.headers)
    assert progress_row(setup.member, setup.video).first_opened_at == first


def test_reading_item_returns_sanitised_html(client, setup):
    data = client.get(f"/api/v1/items/{setup.reading.id}", headers=setup.headers).get_json()
    assert data["body_html"].startswith("<h2>Hello</h2>") and "<script" not in data["body_html"]


def test_sending_the_whole_video_at_once_does_not_complete_it(client, setup):
    client.get(f"/api/v1/items/{setup.video.id}", headers=setup.headers)
    response = post(client, setup, {"position": 120, "played": [[0, 120]]})
    assert response.status_code == 200
    assert response.get_json()["completed"] is False
    assert response.get_json()["percent"] < 5


def test_seeking_straight_to_the_end_does_not_complete_it(client, setup):
    client.get(f"/api/v1/items/{setup.video.id}", headers=setup.headers)
    response = post(client, setup, {"position": 119, "played": [[118, 120]], "seek": True})
    body = response.get_json()
    assert body["completed"] is False and body["percent"] <= 2


def test_forged_list_after_a_short_wait_only_earns_twice_the_wait(app_ctx, setup):
    start = utcnow()
    open_item(setup.member, setup.video.id, now=start)
    result = record_video(setup.member, setup.video.id,
                          VideoReport(120, [(0, 120)]), now=start + timedelta(seconds=10))
    assert result.percent == math.floor(100 * 20 / 120) and not result.completed


def test_real_time_reports_complete_the_video_and_course(app_ctx, setup):
    sent = []
    signals.course_completed.connect(lambda sender, **kw: sent.append(sender), weak=False)
    start = utcnow()
    open_item(setup.member, setup.video.id, now=start)
    from lms.progress.service import mark_done

    mark_done(setup.member, setup.reading.id, now=start)
    result = None
    for t in range(15, 121, 15):
        report = VideoReport(position=t, played=[(t - 15, t)])
        result = record_video(setup.member, setup.video.id, report,
                              now=start + timedelta(seconds=t))
    db.session.commit()
    assert result.completed and result.percent == 100 and result.course_completed
    assert setup.enrollment.completed_at is not None
    assert sent == [setup.course.id]
    verbs = [e.verb for e in db.session.execute(db.select(LearningEvent)).scalars()]
    assert verbs.count("completed") == 3  # reading, video, course
    assert "progressed" in verbs and "launched" in verbs


def test_played_at_double_speed_still_counts(app_ctx, setup):
    start = utcnow()
    open_item(setup.member, setup.video.id, now=start)
    result = record_video(setup.member, setup.video.id, VideoReport(60, [(0, 60)]),
                          now=start + timedelta(seconds=30))
    assert result.percent == 50


def test_late_report_of_position_zero_keeps_the_resume_point(app_ctx, setup):
    start = utcnow() - timedelta(hours=1)
    open_item(setup.member, setup.video.id, now=start)
    record_video(setup.member, setup.video.id, VideoReport(300 / 3, [(0, 100)]),
                 now=start + timedelta(seconds=100))
    record_video(setup.member, setup.video.id, VideoReport(0, []),
                 now=start + timedelta(seconds=101))
    assert progress_row(setup.member, setup.video).last_position == 100


def test_position_300_survives_a_late_zero(app_ctx, setup):
    setup.video.media.duration_seconds = 600.0
    db.session.commit()
    start = utcnow() - timedelta(hours=1)
    open_item(setup.member, setup.video.id, now=start)
    record_video(setup.member, setup.video.id, VideoReport(300, [(0, 300)]),
                 now=start + timedelta(seconds=300))
    record_video(setup.member, setup.video.id, VideoReport(0, [(0, 2)]),
                 now=start + timedelta(seconds=302))
    assert progress_row(setup.member, setup.video).last_position == 300
    record_video(setup.member, setup.video.id, VideoReport(40, [], seek=True),
                 now=start + timedelta(seconds=303))
    assert progress_row(setup.member, setup.video).last_position == 40


def test_out_of_order_reports_merge(app_ctx, setup):
    start = utcnow() - timedelta(hours=1)
    open_item(setup.member, setup.video.id, now=start)
    for pair in [(30, 45), (0, 15), (10, 35), (44, 50)]:
        record_video(setup.member, setup.video.id, VideoReport(pair[1], [pair]), now=utcnow())
    row = progress_row(setup.member, setup.video)
    assert row.intervals == [[0, 50]] and row.watched_seconds == 50


@pytest.mark.parametrize("body, field", [
    ({"position": "ten", "played": []}, "position"),
    ({"position": -1, "played": []}, "position"),
    ({"position": 1e300, "played": []}, "position"),
    ({"position": 1, "played": [[5, 2]]}, "played"),
    ({"position": 1, "played": [[0, "x"]]}, "played"),
    ({"position": 1, "played": [[0, 1, 2]]}, "played"),
    ({"position": 1, "played": [[0, 1]] * 501}, "played"),
    ({"position": 1, "played": "0-5"}, "played"),
    ({"position": True, "played": []}, "position"),
    ({"position": 1, "played": [], "seek": "yes"}, "seek"),
])
def test_bad_reports_are_refused_and_change_nothing(client, setup, body, field):
    client.get(f"/api/v1/items/{setup.video.id}", headers=setup.headers)
    response = post(client, setup, body)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]
    row = progress_row(setup.member, setup.video)
    assert row.intervals == [] and row.last_position == 0 and row.last_report_at is None


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(client, setup, raw):
    client.get(f"/api/v1/items/{setup.video.id}", headers=setup.headers)
    response = client.post(f"/api/v1/items/{setup.video.id}/progress",
                           data=f'{{"position": {raw}, "played": [[0, {raw}]]}}',
                           content_type="application/json", headers=setup.headers)
    assert response.status_code in (400, 422)
    assert progress_row(setup.member, setup.video).last_report_at is None


def test_not_json_is_a_400(client, setup):
    response = client.post(f"/api/v1/items/{setup.video.id}/progress", data="nope",
                           content_type="application/json", headers=setup.headers)
    assert response.status_code == 400


def test_read_only_enrolment_cannot_progress(client, setup):
    setup.enrollment.access_ends_at = utcnow() - timedelta(days=1)
    db.session.commit()
    assert client.get(f"/api/v1/items/{setup.video.id}", headers=setup.headers).status_code == 200
    response = post(client, setup, {"position": 5, "played": [[0, 5]]})
    assert response.status_code == 409
    assert "ended on" in response.get_json()["detail"]
    response = post(client, setup, {"completed": True}, item=setup.reading)
    assert response.status_code == 409


def test_reading_is_marked_done(client, setup):
    response = post(client, setup, {"completed": True}, item=setup.reading)
    assert response.status_code == 200 and response.get_json()["completed"] is True
    assert post(client, setup, {"completed": False}, item=setup.reading).status_code == 422
    assert post(client, setup, {"completed": True}).status_code == 422  # a video


def test_outsiders_and_editors_record_nothing(client, setup, app_ctx):
    from tests.factories import api_headers, make_user

    outsider = api_headers(make_user())
    url = f"/api/v1/items/{setup.video.id}/progress"
    assert client.post(url, json={"position": 1, "played": []}, headers=outsider).status_code == 403
    assert client.post(url, json={"position": 1, "played": []}).status_code == 401
    editor = api_headers(setup.course.instructors[0])
    assert client.get(f"/api/v1/items/{setup.video.id}", headers=editor).get_json()["preview"]
    assert client.post(url, json={"position": 1, "played": []}, headers=editor).status_code == 403
    assert client.get("/api/v1/items/999999", headers=outsider).status_code == 404


def statements_of(action) -> list[str]:
    from sqlalchemy import event

    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return statements


def test_a_report_takes_two_statements_on_postgresql(client, auth, setup, open_ago):
    """The row joined to the caller's token (or session), item and enrolment, then the
    update if the row has not moved (each its own transaction): for a token and for
    the player's session cookie alike."""
    open_ago(setup.member, setup.video, 60)
    url = f"/api/v1/items/{setup.video.id}/progress"
    answers = []
    by_token = statements_of(lambda: answers.append(client.post(
        url, json={"position": 5.0, "played": [[0.0, 5.0]]}, headers=setup.headers)))
    auth.login(setup.member.email)
    token = auth.any_csrf()
    by_session = statements_of(lambda: answers.append(client.post(
        url, json={"position": 6.0, "played": [[5.0, 6.0]]}, headers={"X-CSRFToken": token})))
    assert [a.status_code for a in answers] == [200, 200]
    assert [a.get_json()["percent"] for a in answers] == [4, 5]
    if db.engine.dialect.name == "postgresql":
        assert len(by_token) == 2 and len(by_session) == 2, (by_token, by_session)
        assert "api_token.token_hash" in by_token[0]
        assert "item_progress.revision = " in by_token[1]
        assert "session_version" in by_session[0]


def test_a_report_confirms_the_caller_whichever_path_it_takes(client, auth, setup, open_ago):
    """Revoked, expired or foreign tokens, deactivated members and ended sessions get 401
    and change nothing, though the report would otherwise take the two-statement path."""
    from lms.accounts.models import ApiToken
    from lms.accounts.service import end_all_sessions

    open_ago(setup.member, setup.video, 600)
    url = f"/api/v1/items/{setup.video.id}/progress"
    body = {"position": 5.0, "played": [[0.0, 5.0]]}  # 4 %: the two-statement path's kind

    def report(**kwargs):
        return client.post(url, json=body, **kwargs)

    assert report(headers={"Authorization": "Bearer lms_not-a-token"}).status_code == 401
    assert report(headers=api_headers(make_user())).status_code == 403  # not enrolled
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.user_id == setup.member.id))
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert report(headers=setup.headers).status_code == 401
    token.expires_at, token.revoked_at = utcnow() + timedelta(days=1), utcnow()
    db.session.commit()
    assert report(headers=setup.headers).status_code == 401
    fresh = api_headers(setup.member)
    setup.member.is_active = False
    db.session.commit()
    assert report(headers=fresh).status_code == 401
    setup.member.is_active = True
    db.session.commit()
    auth.login(setup.member.email)
    csrf = {"X-CSRFToken": auth.any_csrf()}
    assert report(headers={}).status_code == 400  # a session write needs its CSRF token
    end_all_sessions(setup.member)
    db.session.commit()
    assert report(headers=csrf).status_code == 401
    row = db.session.scalar(db.select(ItemProgress).where(
        ItemProgress.user_id == setup.member.id, ItemProgress.item_id == setup.video.id))
    assert row.percent == 0 and row.last_report_at is None
    assert report(headers=fresh).status_code == 200


def test_a_report_racing_another_write_is_credited_from_the_row_the_other_left(
        app_ctx, setup, open_ago):
    """The two-statement path reads without a lock and writes only if the row has not
    moved since (its revision): a report that lands in between is never overwritten
    by the stale read, and the locked path then credits this report on top of it."""
    from lms.accounts.tokens import Credential, hash_token
    from lms.progress.service import record_report, record_report_quickly

    if db.engine.dialect.name != "postgresql":
        pytest.skip("the two-statement path is PostgreSQL's")
    open_ago(setup.member, setup.video, 600)
    credential = Credential(token_hash=hash_token(
        setup.headers["Authorization"].removeprefix("Bearer ")))
    body = {"position": 5.0, "played": [[0.0, 5.0]]}

    def another_report_lands_first() -> dict:
        record_video(setup.member, setup.video.id, VideoReport(14.0, [(10.0, 14.0)]))
        db.session.commit()
        return body

    assert record_report_quickly(credential, setup.video.id, another_report_lands_first) is None
    assert progress_row(setup.member, setup.video).intervals == [[10.0, 14.0]]
    result = record_report(setup.member, setup.video.id, body)
    db.session.commit()
    row = progress_row(setup.member, setup.video)
    assert row.intervals == [[0.0, 5.0], [10.0, 14.0]] and row.watched_seconds == 9.0
    assert result.percent == row.percent == 7 and row.last_position == 14.0
    quiet = record_report_quickly(credential, setup.video.id,
                                  lambda: {"position": 16.0, "played": [[14.0, 16.0]]})
    assert quiet is not None and quiet.percent == 9  # undisturbed, it saves in two statements


def test_seconds_played_before_the_length_is_read_count_once_it_is(app_ctx, setup):
    """A recording replaced by a large upload is ready before a job has read its length:
    reports are refused meanwhile (the player keeps them) and credited when sent again."""
    from lms.errors import Conflict

    setup.video.media.duration_seconds = None
    db.session.commit()
    start = utcnow() - timedelta(hours=1)
    open_item(setup.member, setup.video.id, now=start)
    db.session.commit()  # the GET that opened the item has answered
    report = VideoReport(60, [(0, 60)])
    with pytest.raises(Conflict, match="length is not known yet"):
        record_video(setup.member, setup.video.id, report, now=start + timedelta(seconds=60))
    db.session.rollback()

    setup.video.media.duration_seconds = 120.0  # the job has read it
    db.session.commit()
    result = record_video(setup.member, setup.video.id, report,
                          now=start + timedelta(seconds=61))
    assert result.percent == 50 and not result.completed
