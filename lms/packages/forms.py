"""Studio form for uploading a course package as a ZIP."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField

from lms.forms import Form


class ZipUploadForm(Form):
    archive = FileField("ZIP of a course or of one module",
                        validators=[FileRequired("Choose a ZIP file to upload.")],
                        description="A course package (course.toml at the top) or one module "
                                    "(module.toml at the top). Nothing is changed until you "
                                    "confirm on the next page.",
                        render_kw={"accept": ".zip,application/zip"})
    course_id = SelectField("For a module: the course it goes into", choices=[],
                            coerce=lambda value: int(value) if value else None,
                            description="Leave as it is for a whole course: its course.toml "
                                        "names the course.")


class ConfirmForm(Form):
    token = HiddenField()
