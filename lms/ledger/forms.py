"""Ledger forms. They check shape only; the services decide what is allowed."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.validators import DataRequired, Length, Optional

from lms.forms import Form, PlainNumberField


class ExternalCreditForm(Form):
    title = StringField("Activity title", validators=[DataRequired("Name the activity."),
                                                      Length(max=200)])
    provider = StringField("Provider", validators=[DataRequired("Who offered it?"),
                                                   Length(max=200)],
                           description="The conference, association or school that offered it.")
    credit_type = SelectField("Credit type", choices=[])
    amount = PlainNumberField("Amount", validators=[DataRequired("Enter the amount.")],
                              description="More than 0 and at most 100, e.g. 1.5.")
    earned_on = DateField("Date earned", validators=[DataRequired("Enter the date.")],
                          description="Your local date; not in the future.")
    evidence = FileField("Evidence (optional)",
                         description="A certificate of attendance or a receipt: PDF, PNG or "
                                     "JPEG. Only you and staff can see it.")


class CycleForm(Form):
    credit_type = SelectField("Credit type", choices=[])
    required_amount = PlainNumberField("Amount required",
                                       validators=[DataRequired("Enter the amount required.")])
    starts_on = DateField("First day of the cycle", validators=[DataRequired("Enter a date.")])
    ends_on = DateField("Last day of the cycle", validators=[DataRequired("Enter a date.")])


class CreditTypeForm(Form):
    slug = StringField("Slug", validators=[Optional(), Length(max=40)],
                       description="Lower-case letters, digits and dashes; used by the API. "
                                   "It cannot change later.")
    name = StringField("Name", validators=[DataRequired("Name the credit type."),
                                           Length(max=120)])
    unit = StringField("Unit", default="hours", validators=[DataRequired("Give the unit."),
                                                            Length(max=40)])


class ReviewForm(Form):
    """Approve or reject: the button pressed carries the decision."""

    note = TextAreaField("Note to the member (optional)", validators=[Optional(),
                                                                      Length(max=2000)])


class PlainForm(Form):
    """A form of buttons and checkboxes read from ``request.form``: only its CSRF token."""
