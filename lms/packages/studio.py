"""The studio's package import: upload a ZIP, see what it would change, then confirm.

The uploaded ZIP goes to storage like any file. The preview runs the real
import without uploading media and rolls it back, so it lists exactly what the
import will do. A signed token (the storage key and the uploader, valid for an
hour) carries the upload from the preview to the confirmation.
"""

from __future__ import annotations

import contextlib

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from wtforms.fields.choices import SelectChoice

from lms.accounts.service import require_instructor
from lms.catalog import authoring
from lms.errors import BadRequest, DomainError, ValidationError
from lms.extensions import db, login_manager
from lms.forms import apply_errors
from lms.packages import service
from lms.packages.forms import ConfirmForm, ZipUploadForm
from lms.web import me

bp = Blueprint("package_studio", __name__, url_prefix="/studio/import")
TOKEN_SECONDS = 3600


@bp.before_request
def require_login():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    require_instructor(me())
    return None


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="package-import")


def _token(key: str, course_id: int | None) -> str:
    return _signer().dumps({"key": key, "user": me().id, "course": course_id})


def _untoken(token: str) -> tuple[str, int | None]:
    """The storage key and course of a preview this member made. Raises BadRequest."""
    try:
        data = _signer().loads(token or "", max_age=TOKEN_SECONDS)
    except BadSignature:
        raise BadRequest("This preview has expired; upload the ZIP again.") from None
    if data.get("user") != me().id:
        raise BadRequest("This preview belongs to someone else; upload the ZIP yourself.")
    return data["key"], data.get("course")


def _upload_form() -> ZipUploadForm:
    form = ZipUploadForm()
    courses = authoring.studio_courses(me())
    form.course_id.choices = [SelectChoice("", "— A whole course —")] + [
        SelectChoice(str(course.id), course.title) for course in courses]
    return form


@bp.get("/")
def upload():
    return render_template("packages/upload.html", form=_upload_form())


@bp.post("/")
def preview():
    form = _upload_form()
    if not form.validate_on_submit():
        return render_template("packages/upload.html", form=form), 422
    key = service.store_zip(me(), form.archive.data.stream)
    try:
        result = service.import_zip(me(), key, course_id=form.course_id.data, dry_run=True)
        view = _summary(result)
    except DomainError as exc:
        db.session.rollback()
        service.discard_zip(key)
        apply_errors(form, _on_archive(exc))
        return render_template("packages/upload.html", form=form), exc.status
    db.session.rollback()
    return render_template("packages/preview.html", result=view,
                           form=ConfirmForm(token=_token(key, form.course_id.data)))


def _on_archive(exc: DomainError) -> DomainError:
    """Archive and package problems belong next to the file field."""
    if isinstance(exc, ValidationError) and ("archive" in exc.errors or "package" in exc.errors):
        messages = exc.errors.get("archive", []) + exc.errors.get("package", [])
        return ValidationError(exc.detail, errors={"archive": messages})
    return exc


def _summary(result: service.ImportResult) -> dict:
    """Plain data for the preview (the rows it came from are rolled back)."""
    course = result.course
    return {"title": course.title, "slug": course.slug, "format": course.format,
            "changes": list(result.changes), "uploads": list(result.uploads),
            "warnings": list(result.warnings),
            "modules": [{"title": m.title, "entries": [(i.kind, i.title) for i in m.items]}
                        for m in sorted(course.modules, key=lambda m: m.position)]}


@bp.post("/confirm")
def confirm():
    form = ConfirmForm()
    if not form.validate_on_submit():
        raise BadRequest("The form expired; upload the ZIP again.")
    key, course_id = _untoken(form.token.data)
    try:
        result = service.import_zip(me(), key, course_id=course_id)
    except DomainError:
        db.session.rollback()
        service.discard_zip(key)
        raise
    db.session.commit()
    service.discard_zip(key)
    flash(f"Imported “{result.course.title}”: {len(result.changes)} change(s), "
          f"{len(result.uploads)} file(s) uploaded." if result.changed
          else f"“{result.course.title}” was already up to date.", "success")
    return redirect(url_for("studio.outline", course_id=result.course.id))


@bp.post("/cancel")
def cancel():
    form = ConfirmForm()
    if form.validate_on_submit():
        with contextlib.suppress(BadRequest):
            service.discard_zip(_untoken(form.token.data)[0])
    flash("Import cancelled; nothing was changed.", "info")
    return redirect(url_for("package_studio.upload"))
