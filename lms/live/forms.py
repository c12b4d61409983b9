"""Live webinar forms. They check shape only; the services decide what is allowed."""

from __future__ import annotations

from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.fields import DateTimeLocalField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.forms import Form

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class SessionForm(Form):
    """Times are typed in the instructor's own time zone (the page names it)."""

    starts_at = DateTimeLocalField("Starts", format=LOCAL_FORMAT,
                                   validators=[DataRequired("Enter the start.")])
    ends_at = DateTimeLocalField("Ends", format=LOCAL_FORMAT,
                                 validators=[DataRequired("Enter the end.")])
    capacity = IntegerField("Seats", validators=[Optional(), NumberRange(min=1)],
                            description="Leave empty for no limit. Members who register "
                                        "once it is full join the waitlist.")
    join_url = StringField("Meeting address", validators=[DataRequired(
        "Paste the meeting's address."), Length(max=500)],
        description="The Zoom, Teams or other meeting link. Members see it only from 15 "
                    "minutes before the start.")
    min_minutes = IntegerField("Minutes to attend for credit",
                               validators=[Optional(), NumberRange(min=0)],
                               description="Empty: three quarters of the session.")


class RegisterForm(Form):
    #: Filled by the browser (static/js/live.js): becomes the member's zone if unset.
    time_zone = HiddenField()
    group_viewers = TextAreaField(
        "Colleagues watching with you (optional)", validators=[Optional(), Length(max=10_000)],
        description="One per line: name, email. After the session you confirm who attended "
                    "so they get their credit too.")


class PlainForm(Form):
    """A form of buttons only: its CSRF token."""
