"""Media pages for instructors: the upload page and their media library."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from lms import units
from lms.errors import DomainError
from lms.extensions import db
from lms.media import renditions, service
from lms.media.forms import UploadForm
from lms.media.models import MediaAsset

bp = Blueprint("media", __name__)


@bp.route("/studio/media/upload", methods=["GET", "POST"])
@login_required
def upload_page():
    """The uploader; its form also works without JavaScript (one request, small files)."""
    service.check_may_upload(current_user)
    form = UploadForm()
    if form.validate_on_submit():
        asset = _upload(form)
        if asset is not None:
            flash(f"Uploaded {asset.original_name} (media id {asset.id}).", "success")
            return redirect(url_for("media.library"))
    status = 400 if form.errors else 200
    return render_template("media/upload.html", form=form), status


@bp.get("/studio/media")
@login_required
def library():
    assets = service.library(current_user)
    return render_template("media/library.html", assets=[_row(a) for a in assets])


@bp.post("/studio/media/<int:media_id>/renditions/retry")
@login_required
def retry_renditions(media_id: int):
    """Staff queue a failed video's renditions again; the library shows the progress."""
    asset = renditions.retry(current_user, media_id)
    db.session.commit()
    flash(f"Processing {asset.original_name} again.", "success")
    return redirect(url_for("media.library"), code=303)


def _upload(form: UploadForm) -> MediaAsset | None:
    """Upload the form's file; a refusal becomes the field's error message."""
    upload = form.file.data
    try:
        asset = service.upload_file(current_user, upload.filename, upload.mimetype, upload.stream)
    except DomainError as exc:
        if isinstance(exc, service.UploadFailed):
            db.session.commit()
        else:
            db.session.rollback()
        form.file.errors = [exc.detail]
        return None
    db.session.commit()
    return asset


def _row(asset: MediaAsset) -> dict:
    """Plain data for the library table."""
    return {
        "id": asset.id,
        "name": asset.original_name,
        "kind": asset.kind,
        "size": service.human_size(asset.size),
        "status": asset.status,
        "duration": units.duration(asset.duration_seconds) or (
            "being read" if asset.kind in ("video", "audio") and asset.is_ready else ""),
        "created": asset.created_at.strftime("%Y-%m-%d %H:%M UTC") if asset.created_at else "",
        "failure_reason": asset.failure_reason,
        "url": url_for("media_api.content", media_id=asset.id) if asset.is_ready else None,
        "streaming": _streaming(asset),
    }


def _streaming(asset: MediaAsset) -> dict | None:
    """The renditions' state for the library: progress, failure, or what was made."""
    if asset.renditions_status is None or not asset.is_ready:
        return None
    made = [r for r in asset.renditions if r.kind in ("hls", "audio")]
    return {
        "status": asset.renditions_status,
        "percent": asset.renditions_percent,
        "error": asset.renditions_error,
        "variants": ", ".join(r.name for r in made),
        "size": service.human_size(sum(r.size for r in asset.renditions)) if made else "",
    }
