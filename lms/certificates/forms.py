"""Certificate forms. They check shape only; the services decide what is allowed."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from lms.certificates.models import REVOKE_CATEGORIES
from lms.forms import Form


class VerifyForm(Form):
    class Meta:
        csrf = False  # a GET lookup that changes nothing

    code = StringField("Certificate code", validators=[DataRequired("Enter the code.")],
                       description="20 letters and digits, as printed on the certificate.")


class NameChangeForm(Form):
    requested_name = StringField(
        "Corrected name", validators=[DataRequired("Write the corrected name."), Length(max=200)],
        description="Exactly as it should print, in any script. Staff review each request.")
    note = TextAreaField("Note for staff (optional)", validators=[Optional(), Length(max=500)])


class RevokeForm(Form):
    category = SelectField("Reason category (shown publicly)",
                           choices=[SelectChoice(value, label)
                                    for value, label in REVOKE_CATEGORIES.items()])
    reason = TextAreaField("Reason (staff only)",
                           validators=[DataRequired("Say why."), Length(max=2000)])


class DecisionForm(Form):
    """Approve or reject: the button pressed carries the decision."""


class RetakeForm(Form):
    """Start a retake of a course (the button on My certificates)."""


class BackIssueForm(Form):
    """Confirm a back-issue whose count was shown first."""


class CourseZipForm(Form):
    """Build a ZIP of every certificate of a course (in the background)."""


class SettingsForm(Form):
    org_name = StringField("Organisation name",
                           validators=[DataRequired("Give the organisation's name."),
                                       Length(max=200)])
    signatory_name = StringField("Signatory name", validators=[Optional(), Length(max=200)])
    signatory_title = StringField("Signatory title", validators=[Optional(), Length(max=200)])
    page_size = SelectField("Page size", choices=[SelectChoice("letter", "US Letter"),
                                                   SelectChoice("a4", "A4")])
    logo = FileField("Logo", description="PNG or JPEG, up to 2 MB.")
    remove_logo = BooleanField("Remove the current logo")
    signature = FileField("Signature image",
                          description="PNG (transparent background) or JPEG, up to 2 MB.")
    remove_signature = BooleanField("Remove the current signature")
