"""Cycle math on plain values: edges of the cycle, elapsed share, local dates, the chart."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from lms.ledger.cycles import chart, cycle_status, elapsed_fraction, local_today

START, END = date(2026, 1, 1), date(2026, 12, 31)  # 365 days
D = Decimal


def test_entries_on_the_first_and_last_day_count_and_outside_do_not() -> None:
    entries = [(date(2025, 12, 31), D(5)), (START, D(1)), (END, D(2)), (date(2027, 1, 1), D(7))]
    status = cycle_status(D(10), START, END, END, entries)
    assert status.earned == D(3)
    assert status.remaining == D(7)


def test_remaining_is_never_negative() -> None:
    status = cycle_status(D(2), START, END, START, [(START, D(5))])
    assert status.remaining == D(0) and status.on_track


@pytest.mark.parametrize(("today", "share"), [
    (date(2025, 12, 31), D(0)),          # not started
    (START, D(1) / D(365)),               # the first day counts as gone by
    (date(2026, 7, 2), D(183) / D(365)),
    (END, D(1)),                          # the last day: the whole cycle
    (date(2027, 6, 1), D(1)),             # over
])
def test_elapsed_fraction(today: date, share: Decimal) -> None:
    assert elapsed_fraction(START, END, today) == share


def test_one_day_cycle() -> None:
    assert elapsed_fraction(START, START, START) == D(1)
    assert cycle_status(D(1), START, START, START, [(START, D(1))]).on_track


def test_on_track_is_earned_at_least_required_times_elapsed() -> None:
    halfway = date(2026, 7, 2)  # 183 of 365 days
    needed = D(365) * D(183) / D(365)  # = 183
    assert cycle_status(D(365), START, END, halfway, [(START, needed)]).on_track
    assert not cycle_status(D(365), START, END, halfway, [(START, needed - D("0.01"))]).on_track
    assert cycle_status(D(365), START, END, halfway, []).expected == D(183)


def test_nothing_earned_before_the_cycle_starts_is_on_track() -> None:
    assert cycle_status(D(60), START, END, date(2025, 6, 1), []).on_track


@pytest.mark.parametrize(("zone", "day"), [
    ("UTC", date(2026, 1, 1)),
    ("Pacific/Kiritimati", date(2026, 1, 2)),   # UTC+14
    ("Pacific/Pago_Pago", date(2025, 12, 31)),  # UTC-11
    ("America/Chicago", date(2026, 1, 1)),      # 04:30 there
    ("Asia/Tokyo", date(2026, 1, 1)),
    ("Not/AZone", date(2026, 1, 1)),            # unknown: UTC
    (None, date(2026, 1, 1)),
])
def test_local_today(zone: str | None, day: date) -> None:
    assert local_today(datetime(2026, 1, 1, 10, 30, tzinfo=UTC), zone) == day


def test_the_chart_steps_up_on_each_earning_day_and_marks_today() -> None:
    drawn = chart(D(10), START, END, date(2026, 3, 1),
                  [(date(2026, 1, 10), D(2)), (date(2026, 2, 1), D("1.5")),
                   (date(2025, 12, 1), D(9))])
    assert [(p.day, p.cumulative) for p in drawn.points] == [
        (START, D(0)), (date(2026, 1, 10), D(2)), (date(2026, 2, 1), D("3.5")),
        (date(2026, 3, 1), D("3.5"))]
    assert drawn.today_x is not None and drawn.earned_path.startswith("M48")
    assert drawn.ticks[-1][1] == "10"


def test_the_axis_reaches_the_larger_of_required_and_earned() -> None:
    assert chart(D(10), START, END, END, [(START, D("12.5"))]).ticks[-1][1] == "12.5"


def test_the_chart_of_a_cycle_that_is_over_has_no_today_line() -> None:
    assert chart(D(10), START, END, date(2027, 1, 5), []).today_x is None
