"""How CE credit and lengths of time are written: one wording on every page, mail and PDF.

Credit is counted in *CE hours* (continuing-education contact hours: an hour of
instruction). Where the CEU appears beside it, it is explained: one CEU
(Continuing Education Unit, as defined by IACET) is ten CE hours. Hours are
written without trailing zeros ("0.5 CE hours", "1 CE hour", "1.25 CE hours").

Lengths of time are written in words, to the second below an hour and to the
minute above ("18 seconds", "1 minute 5 seconds", "1 hour 2 minutes"), so no
abbreviation needs explaining to a screen reader and a short video never
reads as longer than it is.

Pure functions on plain values: the Jinja filters (:mod:`lms.web`) and the PDF
renderers (:mod:`lms.certificates.pdf`) call the same ones. JSON keeps numbers.
"""

from __future__ import annotations

from decimal import Decimal

CE_HOURS = "CE hours"
#: Said wherever a CEU figure is shown.
CEU_EXPLAINED = "1 CEU (Continuing Education Unit, as defined by IACET) = 10 CE hours."
#: For API documents, which carry hours as JSON numbers.
CE_HOURS_EXPLAINED = ("ce_hours is a number of CE hours (continuing-education contact hours); "
                      + CEU_EXPLAINED)

HoursValue = Decimal | int | float | str


def plain_number(value: HoursValue | None) -> str:
    """``Decimal("1.50")`` → ``"1.5"``, ``2`` → ``"2"``; None → ``""``."""
    if value is None:
        return ""
    text = format(Decimal(str(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def ce_hours(value: HoursValue) -> str:
    """``Decimal("0.50")`` → ``"0.5 CE hours"``, ``1`` → ``"1 CE hour"``."""
    number = plain_number(value)
    return f"{number} CE hour" if number == "1" else f"{number} CE hours"


def ceu(value: HoursValue) -> str:
    """CE hours as CEUs: ``Decimal("1.5")`` → ``"0.15 CEU"``."""
    return f"{plain_number(Decimal(str(value)) / 10)} CEU"


def ce_credit(value: HoursValue) -> str:
    """``Decimal("1.5")`` → ``"1.5 CE hours (0.15 CEU)"``; show :data:`CEU_EXPLAINED` nearby."""
    return f"{ce_hours(value)} ({ceu(value)})"


def duration(seconds: float | None) -> str:
    """18 → "18 seconds", 65 → "1 minute 5 seconds", 3725 → "1 hour 2 minutes".

    Below an hour to the nearest second, from an hour to the nearest minute;
    anything above zero is at least a second. None or 0 → ``""``.
    """
    if not seconds or seconds <= 0:
        return ""
    whole = max(1, int(seconds + 0.5))
    if whole < 3600:
        minutes, secs = divmod(whole, 60)
        return _join((minutes, "minute"), (secs, "second"))
    hours, minutes = divmod((whole + 30) // 60, 60)
    return _join((hours, "hour"), (minutes, "minute"))


def _join(*parts: tuple[int, str]) -> str:
    return " ".join(f"{n} {unit}" if n == 1 else f"{n} {unit}s" for n, unit in parts if n)
