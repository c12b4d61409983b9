"""What the benchmark requests, found in a seeded database.

Paths come from ``seed-scale``'s layout: course 1 is the big course (its first
item is a video), members ``1..bench_members`` hold known API tokens, and
member 1 is the logged-in learner of the page scenarios.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import Engine, text

from lms.scaledata.plan import PASSWORD, STAFF_EMAIL, SUBJECTS, bench_token

PROGRESS_BODY = json.dumps({"position": 12.0, "played": [[0.0, 12.0]]})


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    #: "anonymous", "cookie" (member 1 logged in), "member tokens" or "staff token".
    auth: str = "anonymous"
    method: str = "GET"
    body: str | None = None
    #: The issue's target as a share of /healthz, or a p99 bound in ms ("p99<300").
    target: str = ""
    #: wrk connections, when not the run's default.
    connections: int | None = None


@dataclass
class Targets:
    seed: int
    course_id: int
    slug: str
    video_item_id: int
    certificate_code: str
    staff_id: int
    #: Catalog search: the first word of course 1's subject (so it always finds something).
    search: str = "library"
    member_ids: list[int] = field(default_factory=list)

    def member_tokens(self) -> list[str]:
        return [bench_token(self.seed, user_id) for user_id in self.member_ids]

    def staff_token(self) -> str:
        return bench_token(self.seed, self.staff_id)


def find_targets(engine: Engine, seed: int) -> Targets:
    """Read the big course, its first video and one valid certificate of it."""
    with engine.connect() as conn:
        slug, title = conn.execute(text("SELECT slug, title FROM course WHERE id = 1")).one()
        video = conn.scalar(text(
            "SELECT item.id FROM item JOIN module ON module.id = item.module_id "
            "WHERE module.course_id = 1 AND item.kind = 'video' "
            "ORDER BY module.position, item.position LIMIT 1"))
        code = conn.scalar(text(
            "SELECT code FROM certificate WHERE course_id = 1 AND revoked_at IS NULL "
            "ORDER BY id LIMIT 1"))
        staff = conn.scalar(text("SELECT id FROM \"user\" WHERE email = :e"), {"e": STAFF_EMAIL})
        members = conn.scalars(text(
            "SELECT user_id FROM api_token WHERE user_id <> :s ORDER BY user_id"),
            {"s": staff}).all()
    subject = next((s for s in SUBJECTS if s in (title or "")), "library")
    return Targets(seed, 1, slug, video, code, staff, subject.split()[0].lower(), list(members))


def scenarios(t: Targets) -> list[Scenario]:
    return [
        Scenario("healthz", "/healthz"),
        Scenario("catalog", "/courses", target="50%"),
        Scenario("catalog search", f"/courses?q={t.search}"),
        Scenario("course page (anonymous)", f"/courses/{t.slug}"),
        Scenario("course page (logged in)", f"/courses/{t.slug}", "cookie", target="25%"),
        Scenario("player (video)", f"/learn/{t.slug}/items/{t.video_item_id}", "cookie",
                 target="25%"),
        Scenario("my learning", "/my-learning", "cookie", target="25%"),
        Scenario("my credits (API)", "/api/v1/me/credits", "member tokens", target="25%"),
        Scenario("ledger page", "/my-learning/credits", "cookie", target="25%"),
        Scenario("progress report POST", f"/api/v1/items/{t.video_item_id}/progress",
                 "member tokens", "POST", PROGRESS_BODY, target="30%"),
        # A latency target: one request per worker (8 connections would measure how long
        # reports queue behind each other on 2 workers, not how long one takes).
        Scenario("instructor report (big course, 2 connections)",
                 f"/api/v1/courses/{t.course_id}/report", "staff token", target="p99<300",
                 connections=2),
        # Sorted by progress, every member's percent is worked out, not only the page's.
        Scenario("instructor report by percent (2 connections)",
                 f"/api/v1/courses/{t.course_id}/report?sort=percent&dir=desc", "staff token",
                 target="p99<300", connections=2),
        # Discussions (issue 19): seed-scale's thread 1 is course 1's long thread (200 posts),
        # asked by member 1; the list is course 1's 20 threads.
        Scenario("discussion thread (200 posts)", "/discussions/1", "cookie", target="25%"),
        Scenario("discussion list", f"/courses/{t.slug}/discussions", "cookie",
                 target="25%"),
        Scenario("verify page", f"/verify/{t.certificate_code}"),
        Scenario("static file (site.css)", "/static/css/site.css"),
    ]


LOGIN = {"email": "member1@example.org", "password": PASSWORD}
