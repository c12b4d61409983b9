"""Account forms. They check shape only; the service decides what is allowed."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from lms.accounts.models import CAREER_STAGES, ORG_TYPES
from lms.forms import Form


def choices(options: dict[str, str], empty: str = "Prefer not to say") -> list[SelectChoice]:
    """Select options from a ``{value: label}`` dict, led by an empty choice."""
    return [SelectChoice("", empty)] + [SelectChoice(v, label) for v, label in options.items()]


STAGE_CHOICES = choices(CAREER_STAGES)
ORG_CHOICES = choices(ORG_TYPES)


class RegisterForm(Form):
    name = StringField("Name", validators=[DataRequired("Enter your name."), Length(max=120)],
                       description="How we greet you on the site.")
    certificate_name = StringField(
        "Name on certificates", validators=[Optional(), Length(max=200)],
        description="Exactly as it should print, in any script. Leave empty to use your name.")
    email = EmailField("Email", validators=[DataRequired("Enter your email address.")])
    password = PasswordField("Password", validators=[DataRequired("Choose a password.")],
                             description="At least 10 characters.")
    career_stage = SelectField("Career stage", choices=STAGE_CHOICES, validators=[Optional()])
    org_type = SelectField("Organisation type", choices=ORG_CHOICES, validators=[Optional()])


class LoginForm(Form):
    email = EmailField("Email", validators=[DataRequired("Enter your email address.")])
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])
    remember = BooleanField("Keep me logged in on this device")


class ProfileForm(Form):
    name = StringField("Name", validators=[DataRequired("Enter your name."), Length(max=120)])
    certificate_name = StringField("Name on certificates", validators=[Length(max=200)])
    career_stage = SelectField("Career stage", choices=STAGE_CHOICES, validators=[Optional()])
    org_type = SelectField("Organisation type", choices=ORG_CHOICES, validators=[Optional()])


class PasswordForm(Form):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    password = PasswordField("New password", validators=[DataRequired()],
                             description="At least 10 characters.")


class ResetRequestForm(Form):
    email = EmailField("Email", validators=[DataRequired("Enter your email address.")])


class ResetForm(Form):
    password = PasswordField("New password", validators=[DataRequired()],
                             description="At least 10 characters.")


class TokenForm(Form):
    name = StringField("Token name", validators=[DataRequired(), Length(max=80)],
                       description="For example the system that will use it.", id="token-name")


class TeachForm(Form):
    """Required-ness is checked by the service, so every missing field is named at once."""

    expertise = TextAreaField("Your expertise",
                              description="What you know well, from any career stage.")
    proposed_topic = StringField("A topic you would like to teach", validators=[Length(max=200)])


class MemberAdminForm(Form):
    is_instructor = BooleanField("Instructor")
    is_admin = BooleanField("Staff (admin)")
    is_active = BooleanField("Account active")
    extra_time_percent = StringField("Extra time on timed quizzes (percent)")


class EmptyForm(Form):
    """A form with only the CSRF token, for buttons that POST."""
