"""Synthetic discussions: every published course gets threads with replies.

Each published course has :data:`THREADS` threads of :data:`POSTS` posts (the
opening post included); the first thread of course 1 is long (:data:`LONG_THREAD`
posts, asked by benchmark member 1, who is enrolled there), for the thread-page
benchmark. Bodies are short Markdown, stored already rendered as the app stores them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from lms.scaledata.plan import HORIZON, Plan

THREADS = 20
POSTS = 10
LONG_THREAD = 200
WORDS = ("catalog", "metadata", "outreach", "archives", "reference", "literacy", "records",
         "preservation", "licensing", "accessibility", "collections", "programming")


def _body(plan: Plan) -> tuple[str, str]:
    words = " ".join(plan.rng.choice(WORDS) for _ in range(24))
    return f"About **{words.split()[0]}**: {words}.", (
        f"<p>About <strong>{words.split()[0]}</strong>: {words}.</p>")


def discussion_rows(plan: Plan) -> tuple[list[tuple], Iterator[tuple]]:
    """``(thread rows, post rows)``; posts are a generator over the thread plan."""
    threads, shapes = [], []
    published = [c for c in plan.courses if c.status == "published" and c.published_at]
    for course in published:
        for number in range(THREADS):
            thread_id = len(threads) + 1
            long = course.id == 1 and number == 0
            author = 1 if long else plan.rng.randint(1, plan.size.members)
            opened = plan.at(course.published_at, HORIZON - timedelta(days=10))
            count = LONG_THREAD if long else POSTS
            item = course.items[number % len(course.items)][0] if course.items else None
            kind = "question" if number % 2 == 0 else "discussion"
            threads.append((thread_id, course.id, item if number % 3 else None, author, kind,
                            f"{kind.title()} {number + 1} about {plan.rng.choice(WORDS)}",
                            False, False, "visible", None, opened,
                            opened + timedelta(hours=count), 1))
            shapes.append((thread_id, author, opened, count))
    return threads, _posts(plan, shapes)


def _posts(plan: Plan, shapes: list[tuple]) -> Iterator[tuple]:
    post_id = 0
    for thread_id, author, opened, count in shapes:
        for index in range(count):
            post_id += 1
            writer = author if index == 0 else plan.rng.randint(1, plan.size.members)
            body, html = _body(plan)
            yield (post_id, thread_id, writer, body, html, "visible", False,
                   plan.rng.randint(0, 5), opened + timedelta(hours=index), None)


def post_count(plan: Plan) -> int:
    published = [c.id for c in plan.courses if c.status == "published" and c.published_at]
    return len(published) * THREADS * POSTS + (LONG_THREAD - POSTS if 1 in published else 0)
