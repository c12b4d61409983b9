"""Files posted with a studio item form: the embedded uploader without JavaScript.

Each media select of an item form (recording, file, captions, slides) has an
uploader beside it. With JavaScript the file goes up in parts as soon as it is
chosen and the select gets the new media id, so the form posts only that id.
Without JavaScript the file input keeps its name and the file arrives with the
form; it is stored here and chosen in its select, and the form carries on as if
the instructor had picked it from the list.
"""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm

from lms.accounts.models import User
from lms.errors import DomainError
from lms.extensions import db
from lms.media.service import UploadFailed, upload_file

#: The media selects an item form may have, in the order the form shows them.
MEDIA_SELECTS = ("media_id", "captions_media_id", "slides_media_id")


def upload_field(select: str) -> str:
    """The name of the file input that goes with a media select."""
    return f"{select}_upload"


def take_uploads(actor: User | None, form: FlaskForm) -> dict[str, list[str]]:
    """Store the files posted with ``form`` and choose each in its select.

    Each stored file is committed at once, so it stays chosen even when the item
    itself is then refused (a missing title) and is never sent twice. Returns the
    refusals (type, size, permission) by select name; CSRF was checked already
    (CSRFProtect covers every POST).
    """
    refusals: dict[str, list[str]] = {}
    for select in MEDIA_SELECTS:
        upload = request.files.get(upload_field(select))
        if getattr(form, select, None) is None or upload is None or not upload.filename:
            continue
        try:
            asset = upload_file(actor, upload.filename, upload.mimetype, upload.stream)
        except DomainError as exc:
            _keep_failure(exc)
            refusals[select] = [f"{upload.filename}: {exc.detail}"]
            continue
        db.session.commit()
        getattr(form, select).data = str(asset.id)
    return refusals


def _keep_failure(error: DomainError) -> None:
    """A file refused after storing is kept as ``failed`` with its reason; others leave nothing."""
    if isinstance(error, UploadFailed):
        db.session.commit()
    else:
        db.session.rollback()
