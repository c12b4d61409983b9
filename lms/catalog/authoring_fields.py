"""Checking and cleaning the fields instructors send for courses, modules and items.

Each ``clean_*`` function takes the raw value (from a form or JSON) and returns
the clean value or raises :class:`FieldError`; :func:`clean_fields` runs a set of
them and gathers every message into one ``ValidationError``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from lms.accounts.models import CAREER_STAGES
from lms.catalog.models import ACCESS, FORMATS
from lms.dates import parse_date
from lms.errors import ValidationError
from lms.text import TextError, clean_text

MAX_CE_HOURS = Decimal("100")
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class FieldError(Exception):
    """One field's problem; the message is shown next to the field."""


Cleaner = Callable[[Any], Any]


def clean_fields(fields: dict[str, Any], cleaners: dict[str, Cleaner],
                 ignore: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Clean each given field; raise one ValidationError naming every bad or unknown field."""
    clean: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in fields.items():
        if name in ignore:
            continue
        cleaner = cleaners.get(name)
        if cleaner is None:
            errors[name] = ["Unknown field."]
            continue
        try:
            clean[name] = cleaner(value)
        except FieldError as exc:
            errors[name] = [str(exc)]
    if errors:
        raise ValidationError("Some fields are not valid.", errors=errors)
    return clean


def text(max_length: int, required: bool = False, multiline: bool = True) -> Cleaner:
    """Text through :func:`lms.text.clean_text`; single-line for names and titles."""
    def clean(value: Any) -> str:
        try:
            return clean_text(value, max_length=max_length, required=required,
                              multiline=multiline)
        except TextError as exc:
            raise FieldError(str(exc)) from None

    return clean


def title(max_length: int = 200) -> Cleaner:
    """A required single-line title (no line breaks, no text-direction controls)."""
    return text(max_length, required=True, multiline=False)


def lines(value: Any) -> str:
    """Text with one entry per line, given as a string or a list of strings."""
    if value is None:
        return ""
    if isinstance(value, list) and all(isinstance(entry, str) for entry in value):
        value = "\n".join(value)
    if not isinstance(value, str):
        raise FieldError("Give text with one entry per line, or a list of strings.")
    entries = (_line(entry) for entry in value.splitlines())
    return "\n".join(entry for entry in entries if entry)


def _line(value: str, max_length: int = 10_000) -> str:
    try:
        return clean_text(value, max_length=max_length)
    except TextError as exc:
        raise FieldError(str(exc)) from None


def choice(options: tuple[str, ...] | list[str]) -> Cleaner:
    def clean(value: Any) -> str:
        if value not in options:
            raise FieldError(f"Choose one of: {', '.join(options)}.")
        return value

    return clean


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise FieldError("Must be true or false.")
    return value


def integer(low: int, high: int, optional: bool = False) -> Cleaner:
    def clean(value: Any) -> int | None:
        if value in (None, "") and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise FieldError(f"Give a whole number from {low} to {high}.")
        try:
            number = int(value)
        except ValueError:
            raise FieldError(f"Give a whole number from {low} to {high}.") from None
        if not low <= number <= high:
            raise FieldError(f"Give a whole number from {low} to {high}.")
        return number

    return clean


def optional_id(value: Any) -> int | None:
    if isinstance(value, bool):
        raise FieldError("Must be an id (a whole number).")
    if value in (None, "", 0):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise FieldError("Must be an id (a whole number).")
    return int(value)


def ce_hours(value: Any) -> Decimal:
    """More than 0, at most 100, in steps of 0.01 (1.5 means an hour and a half)."""
    if isinstance(value, bool) or value is None:
        raise FieldError("Give the CE hours as a number, e.g. 1.5.")
    try:
        hours = Decimal(str(value).strip())
    except InvalidOperation:
        raise FieldError("Give the CE hours as a number, e.g. 1.5.") from None
    if not hours.is_finite() or hours <= 0 or hours > MAX_CE_HOURS:
        raise FieldError("CE hours must be more than 0 and at most 100.")
    if hours != hours.quantize(Decimal("0.01")):
        raise FieldError("Use at most two decimals, e.g. 1.25.")
    return hours.quantize(Decimal("0.01"))


def string_list(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
        raise FieldError("Give a list of strings.")
    entries = (_line(entry, 200) for entry in value)
    return list(dict.fromkeys(entry for entry in entries if entry))


def career_stages(value: Any) -> list[str]:
    stages = string_list(value)
    unknown = [stage for stage in stages if stage not in CAREER_STAGES]
    if unknown:
        raise FieldError(f"Unknown career stage: {', '.join(unknown)}. "
                         f"Choose from: {', '.join(CAREER_STAGES)}.")
    return stages


def recorded_on(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return parse_date(value if isinstance(value, str) else "")
    except ValueError:
        raise FieldError("Give a date as YYYY-MM-DD.") from None


def slug(value: Any) -> str:
    if not isinstance(value, str) or not SLUG_PATTERN.match(value.strip()):
        raise FieldError("Use lower-case letters, digits and single hyphens, e.g. intro-to-marc.")
    if len(value.strip()) > 120:
        raise FieldError("At most 120 characters.")
    return value.strip()


def slugify(title: str, length: int = 100, fallback: str = "course") -> str:
    """A readable slug from a title: accents dropped, words joined by hyphens, at most
    ``length`` characters; ``fallback`` when nothing is left."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    return "-".join(words)[:length].strip("-") or fallback


COURSE_CLEANERS: dict[str, Cleaner] = {
    "title": title(), "slug": slug, "summary": text(500),
    "description": text(100_000), "format": choice(FORMATS), "ce_hours": ce_hours,
    "topics": string_list, "audience": career_stages, "outcomes": lines,
    "presenters": lines, "recorded_on": recorded_on, "access": choice(ACCESS),
    "certificate_enabled": boolean, "certificate_valid_months": integer(1, 600, optional=True),
    "renewal_window_days": integer(0, 3650),
    "in_order": boolean, "enrol_window_days": integer(1, 3650, optional=True),
    "allow_downloads": boolean,
}

#: Fields of the course JSON a client may send back unchanged; they are not editable here.
COURSE_READ_ONLY = frozenset({"id", "instructors", "modules", "version", "published_at",
                              "created_at", "updated_at"})

MODULE_CLEANERS: dict[str, Cleaner] = {
    "title": title(), "prerequisite_id": optional_id,
}

ITEM_CLEANERS: dict[str, Cleaner] = {
    "title": title(), "required": boolean, "body": text(200_000),
    "transcript": text(500_000), "media_id": optional_id, "captions_media_id": optional_id,
    "captions_language": text(20, multiline=False),
    "captions_label": text(60, multiline=False), "slides_media_id": optional_id,
    "min_watch_percent": integer(1, 100), "recording_completes": boolean,
}

#: Item fields catalog does not keep itself: passed on to higher domains (quizzes)
#: in the ``item_created`` signal's ``settings``.
ITEM_SETTING_CLEANERS: dict[str, Cleaner] = {
    "pass_percent": integer(0, 100, optional=True),
    "max_attempts": integer(1, 100, optional=True),
    "time_limit_seconds": integer(1, 7 * 24 * 3600, optional=True),
}
