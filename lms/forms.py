"""Helpers shared by the HTML views of every domain."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash
from flask_wtf import FlaskForm
from wtforms import DecimalField, StringField

from lms.errors import DomainError
from lms.extensions import db
from lms.units import plain_number

T = TypeVar("T")


class PlainNumberField(StringField):
    """A number kept as the text typed (the service parses it), shown back as typed.

    A stored ``Decimal("0.50")`` shows as "0.5", not "0.50".
    """

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data in (None, "") else plain_number(self.data)


class PlainDecimalField(DecimalField):
    """A DecimalField whose stored value shows without trailing zeros ("30", not "30.0")."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else plain_number(self.data)


def apply_errors(form: FlaskForm, error: DomainError) -> None:
    """Put a service's field messages on the form; others become form-level errors."""
    placed = False
    for name, messages in error.errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors), *messages]
            placed = True
    if not placed:
        form.form_errors.append(error.detail)


def refuse(form: FlaskForm, error: DomainError) -> None:
    """Undo whatever the refused service call changed, then show its messages on the form."""
    db.session.rollback()
    apply_errors(form, error)


def save_form(form: FlaskForm, action: Callable[[], T], message: str) -> T | None:
    """On a valid submission run ``action``, commit and flash ``message``; return its result.

    None when the form was not submitted or not valid, or when the service
    refused: its changes are then rolled back and its messages put on the form.
    """
    if not form.validate_on_submit():
        return None
    try:
        result = action()
    except DomainError as exc:
        refuse(form, exc)
        return None
    db.session.commit()
    flash(message, "success")
    return result
