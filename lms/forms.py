"""Helpers shared by the HTML views of every domain."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash, has_request_context, request
from flask_wtf import FlaskForm
from wtforms import DecimalField, StringField

from lms.errors import DomainError
from lms.extensions import db
from lms.text import unstorable
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


class Form(FlaskForm):
    """The base of every HTML form: fed by form posts only, refusing text that cannot be stored.

    A field holding text :func:`lms.text.unstorable` refuses (NUL, other control
    characters) gets that message as its error before any other validator runs,
    so no check or service ever sees it. A JSON body is not a form post: the form
    then sees no data (Flask-WTF would otherwise build the form from the JSON).
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            if has_request_context() and request.is_json:
                return None
            return super().wrap_formdata(form, formdata)

    def validate(self, extra_validators=None) -> bool:
        refused = {name: problem for name, field in self._fields.items()
                   if (problem := _text_problem(field.data))}
        if refused:
            for name, problem in refused.items():
                self._fields[name].errors = [problem]
            return False
        return super().validate(extra_validators)


def _text_problem(data) -> str | None:
    values = data if isinstance(data, list | tuple) else [data]
    return next((problem for value in values
                 if isinstance(value, str) and (problem := unstorable(value))), None)


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
