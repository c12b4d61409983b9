"""Synthetic learning facts: enrolments, item progress, quizzes, attempts, certificates.

Continues the random stream of a :class:`~lms.scaledata.plan.Plan`. Every
enrolment has a progress row for each item of its course (the member opened
it): the first ``done`` are complete, the next is in progress, the rest not
started. Big tables are generators, so nothing holds millions of rows at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from lms.scaledata.plan import (
    CHOICES_PER_QUESTION,
    HORIZON,
    QUESTIONS_PER_QUIZ,
    CourseInfo,
    EnrolmentInfo,
    Plan,
    zipf_picker,
)

COMPLETE_SHARE = 0.6
REVOKED_SHARE = 0.01
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: A member's first extra courses, so the benchmark member's dashboard is never empty.
BENCH_MEMBER_COURSES = 5


def build_enrolments(plan: Plan) -> list[EnrolmentInfo]:
    """Course 1 gets the first ``big_course_members`` members; the rest follow popularity."""
    size, rng = plan.size, plan.rng
    open_courses = [c for c in plan.courses[1:] if c.status != "draft"]
    pairs = [(user_id, plan.courses[0]) for user_id in range(1, size.big_course_members + 1)]
    pairs += [(1, course) for course in open_courses[:BENCH_MEMBER_COURSES]]
    seen = {(user_id, course.id) for user_id, course in pairs}
    pick = zipf_picker(rng, len(open_courses))
    while len(pairs) < size.enrolments and open_courses:
        user_id, course = rng.randint(1, size.members), open_courses[pick()]
        if (user_id, course.id) not in seen:
            seen.add((user_id, course.id))
            pairs.append((user_id, course))
    return [_enrolment(plan, number, user_id, course)
            for number, (user_id, course) in enumerate(pairs, start=1)]


def _enrolment(plan: Plan, number: int, user_id: int, course: CourseInfo) -> EnrolmentInfo:
    rng, total = plan.rng, len(course.items)
    enrolled = plan.at(course.published_at, HORIZON - timedelta(days=30))
    bench = course.id == 1 and user_id <= plan.size.bench_members
    complete = not bench and rng.random() < COMPLETE_SHARE
    done = total if complete else (0 if bench else rng.randint(0, total - 1))
    completed = enrolled + timedelta(hours=rng.randint(2, 24 * 28)) if complete else None
    return EnrolmentInfo(number, user_id, course.id, enrolled, completed, done)


def enrolment_rows(enrolments: list[EnrolmentInfo]) -> Iterator[tuple]:
    for e in enrolments:
        yield (e.id, e.user_id, e.course_id, e.enrolled_at, None, e.completed_at, None, None,
               None)


def progress_rows(plan: Plan, enrolments: list[EnrolmentInfo]) -> Iterator[tuple]:
    """``item_progress``: one row per enrolment and item of its course."""
    courses = {c.id: c for c in plan.courses}
    row_id = 0
    for e in enrolments:
        items = courses[e.course_id].items
        end = e.completed_at or e.enrolled_at + timedelta(days=21)
        step = (end - e.enrolled_at) / len(items)
        for index, (item_id, kind, duration, _quiz) in enumerate(items):
            row_id += 1
            opened = e.enrolled_at + step * index
            state = "completed" if index < e.done else (
                "in_progress" if index == e.done else "not_started")
            yield (row_id, e.user_id, item_id, *_progress(plan, state, kind, duration, opened,
                                                           opened + step))


def _progress(plan: Plan, state: str, kind: str, duration: float | None, opened: datetime,
              finished: datetime) -> tuple:
    """status … updated_at of one row (the columns after user_id and item_id)."""
    watched = 0.0
    if kind == "video" and state != "not_started":
        watched = duration if state == "completed" else round(
            duration * plan.rng.uniform(0.05, 0.8))
    percent = 100 if state == "completed" else (
        int(100 * watched / duration) if duration else 0)
    intervals = [[0.0, watched]] if watched else []
    reported = finished if state != "not_started" else None
    completed = finished if state == "completed" else None
    status = "in_progress" if state == "in_progress" and kind != "video" and not watched \
        else state
    return (status, intervals, watched, percent, watched, opened, reported, completed,
            None, None, reported or opened)


@cache
def quiz_snapshot(quiz_id: int) -> dict[str, Any]:
    """What an attempt froze at its start (the same for every attempt: nothing shuffles).

    Cached and shared between rows: callers must not change it.
    """
    questions = []
    for number in range(QUESTIONS_PER_QUIZ):
        question_id = (quiz_id - 1) * QUESTIONS_PER_QUIZ + number + 1
        choices = [{"id": (question_id - 1) * CHOICES_PER_QUESTION + k + 1,
                    "text": f"Option {k + 1}", "correct": k == 0, "feedback": "",
                    "weight": None} for k in range(CHOICES_PER_QUESTION)]
        questions.append({"id": question_id, "kind": "single",
                          "prompt": f"Question {number + 1}?", "title": "", "text_format": "",
                          "points": "1.00", "explanation": "", "choices": choices,
                          "accepted_answers": [], "accepted_patterns": [],
                          "numeric_answers": [], "pairs": [], "options": []})
    return {"scoring": "partial", "pass_percent": 80, "questions": questions}


def quiz_rows(plan: Plan) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """``quiz``, ``quiz_question`` and ``quiz_choice`` rows for every quiz item."""
    quizzes, questions, choices = [], [], []
    for course in plan.courses:
        for item_id, _kind, _duration, quiz_id in course.items:
            if quiz_id is None:
                continue
            quizzes.append((quiz_id, item_id, 80, 0, 0, None, False, False, None,
                            "after_each", "partial"))
            for entry in quiz_snapshot(quiz_id)["questions"]:
                questions.append((entry["id"], quiz_id, len(questions) % QUESTIONS_PER_QUIZ,
                                  "single", "", "", entry["prompt"], Decimal(1), "", [], [], [],
                                  []))
                choices.extend((c["id"], entry["id"], position, c["text"], c["correct"], "",
                                None) for position, c in enumerate(entry["choices"]))
    return quizzes, questions, choices


def attempt_rows(plan: Plan, enrolments: list[EnrolmentInfo]) -> Iterator[tuple]:
    """Up to ``size.attempts`` attempts: passes on quizzes done, fails on the one in progress."""
    courses = {c.id: c for c in plan.courses}
    wanted = [(e, index, quiz_id) for e in enrolments
              for index, (_i, _k, _d, quiz_id) in enumerate(courses[e.course_id].items)
              if quiz_id is not None and index <= e.done]
    share = min(1.0, plan.size.attempts / max(1, len(wanted) * 1.25))
    attempt_id = 0
    for e, index, quiz_id in wanted:
        if plan.rng.random() >= share:
            continue
        results = [False] if index == e.done else (
            [False, True] if plan.rng.random() < 0.25 else [True])
        for number, passed in enumerate(results, start=1):
            attempt_id += 1
            if attempt_id > plan.size.attempts:
                return
            yield _attempt(plan, attempt_id, e, quiz_id, number, passed)


def _attempt(plan: Plan, attempt_id: int, e: EnrolmentInfo, quiz_id: int, number: int,
             passed: bool) -> tuple:
    started = e.enrolled_at + timedelta(hours=number, minutes=plan.rng.randint(1, 600))
    submitted = started + timedelta(minutes=plan.rng.randint(3, 25))
    score = plan.rng.choice((75, 100, 100)) if passed else plan.rng.choice((0, 25, 50))
    answers = {str(q["id"]): [q["choices"][0]["id"]] for q in quiz_snapshot(quiz_id)["questions"]}
    return (attempt_id, quiz_id, e.user_id, number, started, None, submitted,
            quiz_snapshot(quiz_id), answers, submitted, Decimal(score), passed, False, None)


def certificate_rows(plan: Plan, enrolments: list[EnrolmentInfo]) -> Iterator[tuple]:
    """Certificates of completed enrolments in courses that issue them, up to the size."""
    courses = {c.id: c for c in plan.courses}
    count = 0
    for e in enrolments:
        course = courses[e.course_id]
        if e.completed_at is None or not course.certificate_enabled:
            continue
        count += 1
        if count > plan.size.certificates:
            return
        row = _certificate(plan, count, e, course)
        plan.issued.append((count, e.user_id, course.title, course.ce_hours, row[5], row[4],
                            row[16]))
        yield row


def _certificate(plan: Plan, cert_id: int, e: EnrolmentInfo, course: CourseInfo) -> tuple:
    issued = e.completed_at + timedelta(seconds=5)
    revoked = plan.rng.random() < REVOKED_SHARE
    teachers = [plan.names[i] for i in course.instructor_ids]
    return (cert_id, certificate_code(plan.rng.getrandbits(100)), e.user_id, course.id, issued,
            e.completed_at.date(), plan.cert_names[e.user_id], course.title, course.format,
            course.ce_hours, teachers, [], {}, 1, None, None,
            issued + timedelta(days=90) if revoked else None,
            "Seeded revocation" if revoked else None, "issued_in_error" if revoked else None,
            plan.staff_id if revoked else None, None, None, 0)


def certificate_code(number: int) -> str:
    """A 100-bit number as a dashed Crockford base32 code, like ``certificates.codes``."""
    symbols = "".join(CODE_ALPHABET[(number >> shift) & 31] for shift in range(95, -1, -5))
    return "-".join(symbols[i:i + 4] for i in range(0, 20, 4))
