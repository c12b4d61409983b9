"""Real concurrent requests against the live server: attempt limits and single submission
hold (run on SQLite and, with LMS_TEST_DATABASE_URL, on PostgreSQL)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

from sqlalchemy import func, select

from lms.extensions import db
from lms.quizzes.models import Attempt
from tests.quizzes.conftest import QUESTIONS


def post_all(url: str, headers: dict, count: int, body: dict | None = None) -> list[int]:
    """POST ``count`` times at once (threads released together); the status codes."""
    barrier = threading.Barrier(count)
    statuses: list[int] = []

    def one() -> None:
        data = json.dumps(body or {}).encode()
        request = urllib.request.Request(url, data=data, method="POST", headers={
            **headers, "Content-Type": "application/json"})
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as exc:
            statuses.append(exc.code)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def attempt_count(member_id: int) -> int:
    db.session.rollback()  # a fresh read of what the server committed
    return db.session.execute(
        select(func.count()).select_from(Attempt).where(Attempt.user_id == member_id)
    ).scalar_one()


def test_ten_concurrent_starts_on_a_one_attempt_quiz_create_exactly_one(client, quiz,
                                                                        live_server):
    quiz.settings(client, max_attempts=1)
    quiz.add(client, QUESTIONS[0])
    url = f"{live_server.url}/api/v1/items/{quiz.item.id}/attempts"
    statuses = post_all(url, quiz.headers, 10)
    assert attempt_count(quiz.member.id) == 1
    assert statuses.count(201) == 1
    assert set(statuses) <= {201, 200, 409}, statuses  # the rest resume it or are refused


def test_concurrent_submits_grade_once(client, quiz, live_server):
    quiz.add(client, QUESTIONS[0])
    started = quiz.start(client).get_json()
    url = f"{live_server.url}/api/v1/attempts/{started['id']}/submit"
    statuses = post_all(url, quiz.headers, 6, {"answers": {}})
    assert sorted(statuses) == [200, 409, 409, 409, 409, 409]
