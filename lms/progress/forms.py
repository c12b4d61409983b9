"""Progress forms: mark done, and staff overrides."""

from __future__ import annotations

from wtforms import EmailField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.forms import Form


class OverrideForm(Form):
    email = EmailField("Member's email", validators=[DataRequired(), Length(max=254)])
    course_slug = StringField("Course (its web address name, e.g. cataloguing-basics)",
                              validators=[DataRequired(), Length(max=120)])
    item_id = IntegerField("Item number (leave empty to complete the whole course)",
                           validators=[Optional()])
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=500)],
                           description="Recorded and shown as “set by” you.")
