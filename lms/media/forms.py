"""The upload form: what the uploader widget posts when JavaScript is off."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired

from lms.forms import Form


class UploadForm(Form):
    file = FileField("File to upload", validators=[FileRequired("Choose a file to upload.")])
