"""Concurrent progress reports: no lost interval, one completion, one signal; constant SQL."""

from __future__ import annotations

import json
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import event, update

from lms import signals
from lms.catalog.models import Enrollment
from lms.extensions import db, utcnow
from lms.progress.models import ItemProgress, LearningEvent
from lms.progress.service import open_item
from tests.factories import (
    api_headers,
    enrol,
    make_course,
    make_item,
    make_media,
    make_module,
    make_user,
)

REPORTS = 50


def post_json(url: str, body: dict, headers: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, json.loads(response.read())


def test_fifty_simultaneous_reports_lose_nothing_and_complete_once(app_ctx, live_server):
    course = make_course()
    video = make_item(make_module(course), kind="video", title="Recording",
                      media=make_media(duration_seconds=2.0 * REPORTS))
    member = make_user()
    enrollment = enrol(member, course)
    headers = api_headers(member)
    open_item(member, video.id, now=utcnow() - timedelta(hours=1))
    db.session.commit()
    completions = []

    def on_completed(sender, **kwargs):
        completions.append((sender, kwargs["user"].id))

    signals.course_completed.connect(on_completed)
    barrier = threading.Barrier(REPORTS)
    url = f"{live_server.url}/api/v1/items/{video.id}/progress"

    def report(i: int):
        barrier.wait()
        return post_json(url, {"position": 2 * i + 2, "played": [[2 * i, 2 * i + 2]]}, headers)

    try:
        with ThreadPoolExecutor(max_workers=REPORTS) as pool:
            results = list(pool.map(report, range(REPORTS)))
    finally:
        signals.course_completed.disconnect(on_completed)
    assert all(status == 200 for status, _ in results)
    db.session.expire_all()
    row = db.session.execute(db.select(ItemProgress).filter_by(
        user_id=member.id, item_id=video.id)).scalar_one()
    assert row.intervals == [[0, 2.0 * REPORTS]] and row.percent == 100
    assert row.status == "completed" and row.last_position == 2.0 * REPORTS
    assert sum(body["course_completed"] for _, body in results) == 1
    assert completions == [(course.id, member.id)]
    assert db.session.get(Enrollment, enrollment.id).completed_at is not None
    verbs = db.session.execute(db.select(LearningEvent.verb).filter_by(
        user_id=member.id, verb="completed")).scalars().all()
    assert len(verbs) == 2  # the item and the course, once each


def count_report_queries(client, member, item, headers, played) -> int:
    statements = []
    url = f"/api/v1/items/{item.id}/progress"  # before listening: it may reload the item

    def listener(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.post(url, headers=headers, json={"position": 10, "played": played})
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    return len(statements)


def course_with_video(modules: int, items: int, intervals: int):
    course = make_course(modules=modules, items_per_module=items)
    video = make_item(course.modules[0], kind="video", title="Recording",
                      media=make_media(duration_seconds=10_000.0))
    member = make_user()
    enrol(member, course)
    open_item(member, video.id, now=utcnow() - timedelta(days=1))
    db.session.execute(update(ItemProgress).where(ItemProgress.item_id == video.id).values(
        intervals=[[10 * i, 10 * i + 5] for i in range(intervals)], status="in_progress",
        watched_seconds=5.0 * intervals, percent=int(5 * intervals / 100)))
    db.session.commit()
    return member, video


def test_sql_per_progress_report_is_small_and_constant(app_ctx, client):
    small = course_with_video(modules=1, items=1, intervals=1)
    large = course_with_video(modules=10, items=5, intervals=400)
    counts = []
    for member, video in (small, large):
        headers = api_headers(member)
        counts.append(count_report_queries(client, member, video, headers, [[0, 3]]))
        counts.append(count_report_queries(client, member, video, headers,
                                           [[i, i + 0.5] for i in range(200)]))
    assert len(set(counts)) == 1, counts
    assert counts[0] <= 12, counts
