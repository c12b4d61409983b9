"""Synthetic CE ledger rows: credit types, a credit per certificate, and three
self-reported credits per member (most approved, some pending or rejected), and a
renewal cycle for each benchmark member.

Continues the plan's random stream after the certificates, whose facts
``learning.certificate_rows`` keeps in ``plan.issued`` as it yields them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from lms.scaledata.plan import EPOCH, HORIZON, Plan

EXTERNAL_PER_MEMBER = 3
TYPES = ((1, "ce-hours", "CE hours", "hours", EPOCH),
         (2, "state-hours", "State certification hours", "hours", EPOCH))
ACTIVITIES = ("State library association conference", "Regional cataloging workshop",
              "Webinar: copyright for librarians", "Summer reading institute",
              "Digital literacy train-the-trainer", "Archives and records symposium")
PROVIDERS = ("State Library", "Library Association", "iSchool continuing education",
             "Regional library system", "Public Library Association")
AMOUNTS = tuple(Decimal(n) / 2 for n in range(1, 13))  # 0.5 … 6
#: (status, weight) of self-reported credits.
STATUSES = (("approved", 70), ("pending", 20), ("rejected", 10))


def credit_type_rows() -> list[tuple]:
    return list(TYPES)


def cycle_rows(plan: Plan) -> Iterator[tuple]:
    """A three-year renewal cycle of 60 CE hours for the benchmark members."""
    for user_id in range(1, plan.size.bench_members + 1):
        yield (user_id, user_id, 1, Decimal(60), date(2024, 1, 1), date(2026, 12, 31), EPOCH)


def credit_rows(plan: Plan) -> Iterator[tuple]:
    """Certificate credits first (ids 1..certificates), then the self-reported ones."""
    row_id = 0
    for cert_id, user_id, title, hours, completed_on, issued_at, revoked_at in plan.issued:
        row_id += 1
        status = "revoked" if revoked_at else "approved"
        yield (row_id, user_id, "certificate", title, "", 1, hours, completed_on, status,
               cert_id, None, "", None, None, issued_at, revoked_at or issued_at)
    statuses, weights = zip(*STATUSES, strict=True)
    for user_id in range(1, plan.size.members + 1):
        for _ in range(EXTERNAL_PER_MEMBER):
            row_id += 1
            yield _external(plan, row_id, user_id, plan.rng.choices(statuses, weights)[0])


def _external(plan: Plan, row_id: int, user_id: int, status: str) -> tuple:
    rng = plan.rng
    created = plan.at(EPOCH, HORIZON - timedelta(days=7))
    earned = (created - timedelta(days=rng.randint(0, 60))).date()
    decided = created + timedelta(days=rng.randint(1, 7)) if status != "pending" else None
    note = "Please attach the certificate of attendance." if status == "rejected" else ""
    return (row_id, user_id, "external", rng.choice(ACTIVITIES), rng.choice(PROVIDERS),
            1 if rng.random() < 0.8 else 2, rng.choice(AMOUNTS), earned, status, None, None,
            note, plan.staff_id if decided else None, decided, created, decided or created)
