"""Standards forms. They check shape only; the services decide what is allowed."""

from __future__ import annotations

from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from lms.forms import Form


def _url(label: str, description: str) -> StringField:
    return StringField(label, validators=[DataRequired("Enter the URL."), Length(max=500)],
                       description=description)


class PlatformForm(Form):
    issuer = StringField("Issuer", validators=[DataRequired("Enter the issuer."),
                                               Length(max=255)],
                         description="The platform's URL as its ID tokens name it (iss).")
    client_id = StringField("Client id", validators=[DataRequired("Enter the client id."),
                                                     Length(max=255)],
                            description="The id the platform gave this tool.")
    deployment_id = StringField("Deployment id",
                                validators=[DataRequired("Enter the deployment id."),
                                            Length(max=255)])
    auth_login_url = _url("Authentication request URL",
                          "The platform's OIDC authorization endpoint.")
    auth_token_url = _url("Access token URL", "The platform's OAuth 2 token endpoint.")
    key_set_url = _url("Public keyset URL", "The platform's JWKS.")


class CourseChoiceForm(Form):
    request_token = HiddenField(validators=[DataRequired()])
    course = StringField("Course", validators=[DataRequired("Choose a course.")])
