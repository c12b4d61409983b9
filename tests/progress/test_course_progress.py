"""One computation of course progress: percent, locks, what's left, resume; single and batch."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import event

from lms import memo
from lms.extensions import db, utcnow
from lms.progress.credit import VideoReport
from lms.progress.loading import course_progress, course_progress_many
from lms.progress.service import mark_done, open_item, record_video
from tests.factories import (
    api_headers,
    enrol,
    make_course,
    make_item,
    make_media,
    make_module,
    make_user,
)


def build(in_order=False, **over):
    course = make_course(in_order=in_order, **over)
    first = make_module(course, title="Basics")
    video = make_item(first, kind="video", title="Welcome recording",
                      media=make_media(duration_seconds=600.0))
    reading = make_item(first, kind="reading", title="Policy reading")
    extra = make_item(first, kind="reading", title="Further reading", is_required=False)
    second = make_module(course, title="Practice", prerequisite_id=first.id)
    quiz = make_item(second, kind="quiz", title="Check your understanding")
    member = make_user()
    enrollment = enrol(member, course)
    return SimpleNamespace(course=course, member=member, enrollment=enrollment, video=video,
                           reading=reading, extra=extra, quiz=quiz)


def test_percent_ignores_optional_items(app_ctx):
    c = build()
    course, member = c.course, c.member
    mark_done(member, c.extra.id)
    assert course_progress(member, course).percent == 0
    mark_done(member, c.reading.id)
    assert course_progress(member, course).percent == 33  # 1 of 3 required


def test_locked_content_counts_nothing_and_says_what_unlocks_it(app_ctx):
    c = build()
    course, member = c.course, c.member
    progress = course_progress(member, course)
    status = progress.item(c.quiz.id)
    assert status.locked and status.lock_reason == "Complete the module 'Basics' first."
    assert progress.modules[1].status == "locked"
    # Progress forced onto the locked quiz (e.g. by a stale row) still counts nothing.
    from lms.progress.models import ItemProgress

    db.session.add(ItemProgress(user_id=member.id, item_id=c.quiz.id, status="in_progress",
                                percent=80, intervals=[]))
    db.session.commit()
    assert course_progress(member, course).percent == 0


def test_in_order_courses_unlock_one_item_after_another(app_ctx, client):
    c = build(in_order=True)
    course, member = c.course, c.member
    progress = course_progress(member, course)
    assert not progress.item(c.video.id).locked
    assert progress.item(c.reading.id).lock_reason == "Complete 'Welcome recording' first."
    response = client.post(f"/api/v1/items/{c.reading.id}/progress", json={"completed": True},
                           headers=api_headers(member))
    assert response.status_code == 409 and "Welcome recording" in response.get_json()["detail"]


def test_whats_left_names_every_incomplete_required_item(app_ctx):
    c = build()
    course, member = c.course, c.member
    start = utcnow() - timedelta(hours=1)
    open_item(member, c.video.id, now=start)
    record_video(member, c.video.id, VideoReport(300, [(0, 300)]),
                 now=start + timedelta(seconds=300))
    left = course_progress(member, course).whats_left
    assert left == [
        "Watch 4 minutes more of 'Welcome recording'",
        "Read 'Policy reading' and mark it as done",
        "Pass 'Check your understanding' (locked: complete the module 'Basics' first)",
    ]
    assert "Further reading" not in " ".join(left)


def test_resume_points_at_the_last_item_touched_with_its_position(app_ctx):
    c = build()
    course, member = c.course, c.member
    start = utcnow() - timedelta(hours=1)
    open_item(member, c.video.id, now=start)
    record_video(member, c.video.id, VideoReport(42, [(0, 42)]), now=start + timedelta(seconds=42))
    resume = course_progress(member, course).resume
    assert resume.id == c.video.id and resume.last_position == 42


def count_queries(work) -> int:
    statements = []

    def listener(*args):
        statements.append(args[2])

    db.session.expire_all()
    memo.clear_all()  # count the cold path: outlines are otherwise kept between calls
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements)


def test_batch_variant_agrees_and_uses_constant_queries(app_ctx):
    c = build()
    course, member = c.course, c.member
    few = count_queries(lambda: course_progress_many(course))
    others = [make_user() for _ in range(8)]
    for index, other in enumerate(others):
        enrol(other, course)
        if index % 2:
            mark_done(other, c.reading.id)
    db.session.commit()
    many = {}
    # course, enrolments, modules, items, media, quiz settings, progress rows
    assert count_queries(lambda: many.update(course_progress_many(course))) == few <= 7
    assert set(many) == {member.id, *(o.id for o in others)}
    for other in others:
        single = course_progress(other, course)
        assert many[other.id].percent == single.percent
        assert many[other.id].whats_left == single.whats_left


def test_percents_summed_by_the_database_match_each_members_own(app_ctx):
    """Two videos with different watch thresholds (75 % and 90 %: shares over their least
    common multiple), a reading and an optional item, every mix of progress: the report's
    SQL percents equal ``compute``'s, for everyone and for a page of ids."""
    from itertools import product

    from lms.progress.models import ItemProgress
    from lms.progress.percents import course_percents

    course = make_course()
    module = make_module(course, title="Recordings")
    short = make_item(module, kind="video", title="Short", min_watch_percent=75,
                      media=make_media(duration_seconds=300.0))
    long = make_item(module, kind="video", title="Long", min_watch_percent=90,
                     media=make_media(duration_seconds=900.0))
    reading = make_item(module, kind="reading", title="Reading")
    optional = make_item(module, kind="reading", title="Extra", is_required=False)
    states = [("not_started", 0), ("in_progress", 33), ("in_progress", 80),
              ("completed", 100)]
    members = []
    for short_state, long_state, read in product(states, states[::3], (False, True)):
        member = make_user()
        enrol(member, course)
        members.append(member)
        for item, (status, percent) in ((short, short_state), (long, long_state)):
            db.session.add(ItemProgress(user_id=member.id, item_id=item.id, status=status,
                                        percent=percent, intervals=[], updated_at=utcnow()))
        if read:
            for item in (reading, optional):
                db.session.add(ItemProgress(user_id=member.id, item_id=item.id,
                                            status="completed", percent=100, intervals=[],
                                            completed_at=utcnow(), updated_at=utcnow()))
    db.session.commit()
    expected = {user_id: p.percent for user_id, p in course_progress_many(course).items()}
    assert len(set(expected.values())) >= 6  # the mixes really differ
    assert course_percents(course) == expected
    page = [m.id for m in members[3:9]]
    assert course_percents(course, page) == {user_id: expected[user_id] for user_id in page}
