"""Studio forms. They check shape only; the authoring service decides what is allowed."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.accounts.models import CAREER_STAGES
from lms.catalog.models import ACCESS
from lms.forms import Form, PlainNumberField

FORMAT_CHOICES = [SelectChoice("course", "Self-paced course"),
                  SelectChoice("webinar", "Webinar recording")]
ACCESS_LABELS = {"open": "Open: anyone who is logged in can enrol",
                 "members": "Members: enrolment through the membership",
                 "code": "Signup code: members enrol with a code"}


class CheckboxesField(SelectMultipleField):
    """Several choices shown as checkboxes (rendered in a fieldset by the template)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class NewCourseForm(Form):
    title = StringField("Title", validators=[DataRequired("Give the course a title."),
                                             Length(max=200)])
    summary = TextAreaField("Summary", validators=[Length(max=500)],
                            description="One or two sentences for the catalog.")
    format = SelectField("Format", choices=FORMAT_CHOICES)
    ce_hours = PlainNumberField(
        "CE hours", default="1", render_kw={"inputmode": "decimal"},
        description="CE hours the course earns, e.g. 0.5 or 1.25 (at most 100); "
                    "10 CE hours make 1 CEU (IACET).")


class CourseForm(NewCourseForm):
    slug = StringField("Web address", validators=[DataRequired("Give the course an address.")],
                       description="Lower-case letters, digits and hyphens, as in "
                                   "/courses/intro-to-marc.")
    description = TextAreaField("Description", description="Markdown.",
                                render_kw={"rows": 10})
    topics = CheckboxesField("Topics", choices=[])
    audience = CheckboxesField("Written for (career stages)",
                               choices=[SelectChoice(k, v) for k, v in CAREER_STAGES.items()])
    outcomes = TextAreaField("Learning outcomes", description="One per line.")
    presenters = TextAreaField("Presenters", description="One name per line.")
    recorded_on = DateField("Recorded on", validators=[Optional()],
                            description="For webinar recordings.")
    access = SelectField("Who can enrol",
                         choices=[SelectChoice(a, ACCESS_LABELS[a]) for a in ACCESS])
    certificate_enabled = BooleanField("Issue a CE certificate on completion")
    certificate_valid_months = IntegerField(
        "Certificate valid for (months)", validators=[Optional()],
        description="Leave empty if certificates never expire.")
    renewal_window_days = IntegerField(
        "Retake opens this many days before a certificate expires", default=60,
        validators=[Optional()],
        description="Members can retake the course from then, and after it has expired.")
    in_order = BooleanField("Learners take items in order")
    allow_downloads = BooleanField("Members may download the audio of recordings",
                                   default=True)
    enrol_window_days = IntegerField(
        "Days to complete after enrolling", validators=[Optional()],
        description="Leave empty for no limit; the course turns read-only afterwards.")


class ModuleForm(Form):
    title = StringField("Module title", validators=[DataRequired("Give the module a title."),
                                                    Length(max=200)])


class ItemForm(Form):
    title = StringField("Title", validators=[DataRequired("Give the item a title."),
                                             Length(max=200)])
    required = BooleanField("Required to complete the course", default=True)
    body = TextAreaField("Introduction", description="Markdown, shown above the item.",
                         render_kw={"rows": 6})


class ReadingItemForm(ItemForm):
    body = TextAreaField("Text", description="Markdown. Use Preview to see how it will look.",
                         render_kw={"rows": 16})


class FileItemForm(ItemForm):
    media_id = SelectField("File", choices=[], validate_choice=False)


class PackageItemForm(ItemForm):
    media_id = SelectField("SCORM or cmi5 package (ZIP)", choices=[], validate_choice=False,
                           description="A SCORM 1.2, SCORM 2004 or cmi5 ZIP; it is checked "
                           "and unpacked when you save.")


class VideoItemForm(ItemForm):
    media_id = SelectField("Recording", choices=[], validate_choice=False)
    captions_media_id = SelectField("Captions", choices=[], validate_choice=False,
                                    description="WebVTT; SRT files are converted on upload.")
    slides_media_id = SelectField("Slides", choices=[], validate_choice=False)
    min_watch_percent = IntegerField(
        "Watched to complete (percent)", default=90, validators=[Optional()],
        description="Share of the recording a learner must watch, 1 to 100.")
    transcript = TextAreaField("Transcript", description="Leave empty to build it from the "
                               "captions.", render_kw={"rows": 6})
    recording_completes = BooleanField(
        "This is the live session's recording",
        description="Members who missed the live session complete it by watching this.")


class QuizItemForm(ItemForm):
    pass_percent = IntegerField("Pass mark (percent)", default=80, validators=[Optional()])
    max_attempts = IntegerField("Attempts allowed", validators=[Optional()],
                                description="Leave empty for unlimited attempts.")
    time_limit_seconds = IntegerField("Time limit (seconds)", validators=[Optional()],
                                      description="Leave empty for no time limit.")


ITEM_FORMS: dict[str, type[ItemForm]] = {
    "reading": ReadingItemForm, "video": VideoItemForm, "file": FileItemForm,
    "quiz": QuizItemForm, "evaluation": ItemForm, "session": ItemForm,
    "package": PackageItemForm,
}
#: Quiz settings are set when the item is created; the quiz editor changes them later.
CREATE_ONLY = ("pass_percent", "max_attempts", "time_limit_seconds")


class InstructorForm(Form):
    email = EmailField("Member's email", validators=[DataRequired("Enter an email address.")])


def form_fields(form: FlaskForm, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The form's data as service fields (no CSRF token; ``None`` for empty numbers)."""
    return {name: field.data for name, field in form._fields.items()
            if name not in ("csrf_token", *skip)}


def item_fields(form: ItemForm, creating: bool) -> dict[str, Any]:
    fields = form_fields(form, () if creating else CREATE_ONLY)
    if fields.get("min_watch_percent", 0) is None:
        del fields["min_watch_percent"]
    return fields
