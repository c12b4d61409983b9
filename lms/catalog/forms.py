"""Catalog forms. They check shape only; the services decide what is allowed."""

from __future__ import annotations

from wtforms import DecimalField, IntegerField, SearchField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.accounts.models import CAREER_STAGES
from lms.catalog.service import SORTS
from lms.forms import Form

FORMAT_LABELS = {"course": "Self-paced course", "webinar": "Webinar recording"}
MAX_FILTER_HOURS = 1000


def choices(options: dict[str, str], empty: str) -> list[SelectChoice]:
    return [SelectChoice("", empty)] + [SelectChoice(v, label) for v, label in options.items()]


class CatalogFilterForm(Form):
    """The catalog's search form: sent by GET, so it carries no CSRF token."""

    class Meta:
        csrf = False

    q = SearchField("Search", validators=[Optional(), Length(max=200)],
                    description="Words from the title, description or a presenter's name.")
    topic = SelectField("Topic", validators=[Optional()])
    format = SelectField("Format", choices=choices(FORMAT_LABELS, "Courses and webinars"),
                         validators=[Optional()])
    career_stage = SelectField("Written for", choices=choices(CAREER_STAGES, "Any career stage"),
                               validators=[Optional()])
    ce_min = DecimalField("At least", validators=[
        Optional(), NumberRange(0, MAX_FILTER_HOURS, "Give 0 to 1000 hours.")])
    ce_max = DecimalField("At most", validators=[
        Optional(), NumberRange(0, MAX_FILTER_HOURS, "Give 0 to 1000 hours.")])
    sort = SelectField("Sort by", choices=[SelectChoice(k, v) for k, v in SORTS.items()],
                       validators=[Optional()])

    def set_topics(self, topics: list[tuple[str, str]]) -> None:
        self.topic.choices = [SelectChoice("", "All topics")] + [
            SelectChoice(slug, name) for slug, name in topics]

    def valid_filters(self) -> dict:
        """The service arguments from the fields that passed validation (others are ignored)."""
        names = ("q", "topic", "format", "career_stage", "ce_min", "ce_max", "sort")
        fields = [getattr(self, name) for name in names]
        return {f.name: None if f.data in ("", None) else f.data for f in fields if not f.errors}


class EnrolForm(Form):
    code = StringField("Signup code", validators=[Optional(), Length(max=60)],
                       description="The code your library or organisation gave you, "
                                   "e.g. ABCD-EFGH-JKMN.")


class CodeBatchForm(Form):
    count = IntegerField("Number of codes", default=20, validators=[
        DataRequired("Enter how many codes to create."), NumberRange(1, 500, "1 to 500 codes.")])
    batch = StringField("Batch label", validators=[Optional(), Length(max=120)],
                        description="For example the library that bought a group registration.")


class TopicForm(Form):
    name = StringField("Topic name", validators=[DataRequired("Enter a name."), Length(max=80)])


class EmptyForm(Form):
    """Just the CSRF token, for buttons that change something."""
