"""One wording for CE credit and lengths of time (lms.units), edge by edge."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms import units


@pytest.mark.parametrize(("value", "text"), [
    (Decimal("0.50"), "0.5"), ("0.5", "0.5"), (Decimal("1.00"), "1"), (Decimal("1.25"), "1.25"),
    (Decimal("10"), "10"), (Decimal("100.00"), "100"), (Decimal("0.05"), "0.05"), (2, "2"),
    (1.5, "1.5"), (Decimal("0"), "0"), (Decimal("0.00"), "0"), (Decimal("1E+1"), "10"),
    (None, ""),
])
def test_plain_number_has_no_trailing_zeros(value, text):
    assert units.plain_number(value) == text


@pytest.mark.parametrize(("hours", "text"), [
    (Decimal("0.50"), "0.5 CE hours"), (Decimal("1"), "1 CE hour"),
    (Decimal("1.00"), "1 CE hour"), (Decimal("1.25"), "1.25 CE hours"),
    (Decimal("2"), "2 CE hours"), (Decimal("0"), "0 CE hours"),
])
def test_ce_hours(hours, text):
    assert units.ce_hours(hours) == text


@pytest.mark.parametrize(("hours", "text"), [
    (Decimal("1"), "1 CE hour (0.1 CEU)"), (Decimal("1.5"), "1.5 CE hours (0.15 CEU)"),
    (Decimal("2.50"), "2.5 CE hours (0.25 CEU)"), (Decimal("10"), "10 CE hours (1 CEU)"),
    (Decimal("0.25"), "0.25 CE hours (0.025 CEU)"), (Decimal("0"), "0 CE hours (0 CEU)"),
    (Decimal("110"), "110 CE hours (11 CEU)"),
])
def test_ce_credit_gives_hours_and_ceu(hours, text):
    assert units.ce_credit(hours) == text


def test_the_ceu_is_explained_in_ce_hours():
    assert "1 CEU" in units.CEU_EXPLAINED and "10 CE hours" in units.CEU_EXPLAINED
    assert "IACET" in units.CEU_EXPLAINED


@pytest.mark.parametrize(("seconds", "text"), [
    (None, ""), (0, ""), (0.4, "1 second"), (1, "1 second"), (18, "18 seconds"),
    (18.4, "18 seconds"), (59.6, "1 minute"), (60, "1 minute"), (65, "1 minute 5 seconds"),
    (125, "2 minutes 5 seconds"), (2700, "45 minutes"), (3599, "59 minutes 59 seconds"),
    (3600, "1 hour"), (3725, "1 hour 2 minutes"), (3629, "1 hour"), (3630, "1 hour 1 minute"),
    (7199, "2 hours"), (9000, "2 hours 30 minutes"), (86400, "24 hours"),
])
def test_duration_is_honest_to_the_second_below_an_hour(seconds, text):
    assert units.duration(seconds) == text


@given(st.floats(min_value=0.001, max_value=3599.4))
def test_below_an_hour_the_words_add_up_to_the_rounded_seconds(seconds):
    words = units.duration(seconds).split()
    values = dict(zip(words[1::2], map(int, words[::2]), strict=True))
    total = 60 * values.get("minute", values.get("minutes", 0)) + values.get(
        "second", values.get("seconds", 0))
    assert total == max(1, int(seconds + 0.5))


@given(st.floats(min_value=3600, max_value=10**7))
def test_from_an_hour_the_words_are_within_half_a_minute(seconds):
    words = units.duration(seconds).split()
    values = dict(zip(words[1::2], map(int, words[::2]), strict=True))
    total = 3600 * values.get("hour", values.get("hours", 0)) + 60 * values.get(
        "minute", values.get("minutes", 0))
    assert abs(total - seconds) <= 30.5
