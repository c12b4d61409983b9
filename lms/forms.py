"""Helpers shared by the HTML views of every domain."""

from __future__ import annotations

from flask_wtf import FlaskForm

from lms.errors import DomainError


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
