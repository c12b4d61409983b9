"""Attempt rules on the server clock: pools, frozen questions, deadlines with grace,
accommodations, attempt limits and cooldowns (services called with ``now=``)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lms.errors import Conflict
from lms.extensions import db, utcnow
from lms.quizzes import attempts
from tests.factories import api_headers
from tests.quizzes.conftest import QUESTIONS

T0 = utcnow().replace(microsecond=0)


def single(n: int) -> dict:
    return {"kind": "single", "prompt": f"Pool question {n}",
            "choices": [{"text": f"right {n}", "correct": True}, {"text": f"wrong {n}"}]}


def drawn_ids(attempt) -> set[int]:
    return {q["id"] for q in attempt.snapshot["questions"]}


def start(quiz, now):
    started = attempts.start_attempt(quiz.member, quiz.item.id, now=now)
    db.session.commit()
    return started.attempt


def submit(quiz, attempt, now, answers=None):
    done = attempts.submit_attempt(quiz.member, attempt.id, answers, now=now)
    db.session.commit()
    return done


def right_answers(attempt) -> dict:
    return {str(q["id"]): [c["id"] for c in q["choices"] if c["correct"]]
            for q in attempt.snapshot["questions"]}


def test_pool_of_five_drawing_three_draws_the_unseen_two_plus_one_seen(client, quiz):
    quiz.settings(client, pool_size=3)
    pool = {q["id"] for q in quiz.add(client, *[single(n) for n in range(5)])}
    first = start(quiz, T0)
    assert len(drawn_ids(first)) == 3 and drawn_ids(first) <= pool
    submit(quiz, first, T0 + timedelta(minutes=1))
    second = start(quiz, T0 + timedelta(minutes=2))
    unseen = pool - drawn_ids(first)
    assert len(drawn_ids(second)) == 3
    assert unseen <= drawn_ids(second)
    assert len(drawn_ids(second) & drawn_ids(first)) == 1


def test_frozen_attempt_keeps_its_questions_after_the_instructor_edits(client, quiz):
    first, second = quiz.add(client, QUESTIONS[0], QUESTIONS[2])
    attempt = start(quiz, T0)
    before = client.get(f"/api/v1/attempts/{attempt.id}", headers=quiz.headers).get_json()
    edited = {**QUESTIONS[0], "prompt": "Edited prompt", "choices": [
        {"text": "900"}, {"text": "800", "correct": True}, {"text": "100"}]}
    assert client.patch(f"/api/v1/questions/{first['id']}", json=edited,
                        headers=quiz.editor).status_code == 200
    assert client.delete(f"/api/v1/questions/{second['id']}",
                         headers=quiz.editor).status_code == 204
    quiz.add(client, QUESTIONS[3])
    after = client.get(f"/api/v1/attempts/{attempt.id}", headers=quiz.headers).get_json()
    assert after["questions"] == before["questions"]
    q900 = before["questions"][0]
    old_right = next(c["id"] for c in q900["choices"] if c["text"] == "900")
    true_id = next(c["id"] for c in before["questions"][1]["choices"] if c["text"] == "True")
    done = submit(quiz, attempt, T0 + timedelta(minutes=1),
                  {str(q900["id"]): [old_right], str(before["questions"][1]["id"]): [true_id]})
    assert done.attempt.score_percent == 100  # graded on the key it was asked with


def timed(client, quiz, seconds: int = 60):
    quiz.settings(client, time_limit_seconds=seconds)
    quiz.add(client, QUESTIONS[0])


def test_deadline_and_grace_by_the_server_clock(client, quiz):
    timed(client, quiz)
    attempt = start(quiz, T0)
    assert attempt.deadline_at == T0 + timedelta(seconds=60)
    wrong = {str(q["id"]): [q["choices"][1]["id"]] for q in attempt.snapshot["questions"]}
    attempts.save_answers(quiz.member, attempt.id, wrong, now=T0 + timedelta(seconds=89))
    db.session.commit()
    with pytest.raises(Conflict):
        attempts.save_answers(quiz.member, attempt.id, right_answers(attempt),
                              now=T0 + timedelta(seconds=91))
    db.session.rollback()
    done = submit(quiz, attempt, T0 + timedelta(seconds=95), right_answers(attempt))
    assert done.late is True
    assert done.attempt.score_percent == 0  # the late body was ignored: saved answers count
    assert done.attempt.answers == wrong


def test_answers_in_a_submit_within_the_grace_period_count(client, quiz):
    timed(client, quiz)
    attempt = start(quiz, T0)
    done = submit(quiz, attempt, T0 + timedelta(seconds=85), right_answers(attempt))
    assert (done.late, done.attempt.score_percent) == (False, 100)


def test_accommodation_extends_deadline_and_grace(client, quiz):
    timed(client, quiz)
    quiz.member.extra_time_percent = 50
    db.session.commit()
    attempt = start(quiz, T0)
    assert attempt.deadline_at == T0 + timedelta(seconds=90)
    attempts.save_answers(quiz.member, attempt.id, right_answers(attempt),
                          now=T0 + timedelta(seconds=119))
    db.session.commit()
    with pytest.raises(Conflict):
        attempts.save_answers(quiz.member, attempt.id, {}, now=T0 + timedelta(seconds=121))
    db.session.rollback()
    done = submit(quiz, attempt, T0 + timedelta(seconds=125), {})
    assert (done.late, done.attempt.score_percent) == (True, 100)


def test_late_submit_through_the_api_is_409_graded_on_saved_answers(client, quiz):
    timed(client, quiz)
    attempt = start(quiz, utcnow() - timedelta(minutes=5))
    response = client.post(f"/api/v1/attempts/{attempt.id}/submit",
                           json={"answers": right_answers(attempt)}, headers=quiz.headers)
    assert response.status_code == 409
    body = response.get_json()
    assert body["late"] is True and body["score_percent"] == 0 and body["passed"] is False
    assert "saved" in body["detail"]
    again = client.post(f"/api/v1/attempts/{attempt.id}/submit", json={}, headers=quiz.headers)
    assert again.status_code == 409 and "already submitted" in again.get_json()["detail"]


def test_expired_attempt_is_graded_when_the_next_one_starts(client, quiz):
    timed(client, quiz)
    first = start(quiz, T0)
    second = start(quiz, T0 + timedelta(minutes=10))
    db.session.refresh(first)
    assert first.is_late and first.submitted_at == T0 + timedelta(seconds=90)
    assert second.number == 2


def test_attempt_limit_and_cooldown_say_when_the_next_attempt_is_possible(client, quiz):
    quiz.settings(client, max_attempts=2, cooldown_seconds=120)
    quiz.add(client, QUESTIONS[0])
    first = start(quiz, T0)
    submit(quiz, first, T0 + timedelta(seconds=10))
    with pytest.raises(Conflict, match=r"in 1 minute\)"):
        attempts.start_attempt(quiz.member, quiz.item.id, now=T0 + timedelta(seconds=70))
    second = start(quiz, T0 + timedelta(seconds=131))
    submit(quiz, second, T0 + timedelta(seconds=140))
    with pytest.raises(Conflict, match="No attempts left"):
        attempts.start_attempt(quiz.member, quiz.item.id, now=T0 + timedelta(hours=1))


def test_start_over_the_api_is_409_with_the_reason(client, quiz):
    quiz.settings(client, max_attempts=1)
    quiz.add(client, QUESTIONS[0])
    started = quiz.start(client).get_json()
    assert started["deadline"] is None
    assert [set(q) for q in started["questions"]] == [{"id", "kind", "prompt", "points",
                                                       "choices"}]
    client.post(f"/api/v1/attempts/{started['id']}/submit", json={}, headers=quiz.headers)
    refused = quiz.start(client)
    assert refused.status_code == 409 and "No attempts left" in refused.get_json()["detail"]
    history = client.get(f"/api/v1/items/{quiz.item.id}/attempts", headers=quiz.headers)
    assert history.get_json()["attempts_left"] == 0


def test_editor_preview_attempts_do_not_need_an_enrolment(client, quiz):
    quiz.add(client, QUESTIONS[0])
    assert quiz.start(client, api_headers(quiz.instructor)).status_code == 201
