"""Forms of the attendance and group viewing pages. They check shape only; the services
decide what is allowed."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField

from lms.forms import Form


class ReportForm(Form):
    file = FileField("Participant report (CSV)",
                       description="Zoom's participant report, Teams' attendance report, or a "
                                   "file with the columns email,minutes.")


class MatchForm(Form):
    """Match one unmatched report row (``key``) to a registrant."""

    key = HiddenField()
    registration_id = SelectField("Registrant", choices=[], coerce=int, validate_choice=False)


class ConfirmForm(Form):
    """Co-viewers are ticked as ``email`` checkboxes read from ``request.form``."""
