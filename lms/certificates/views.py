"""Certificate pages: public verification, downloads, My certificates, staff pages."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import login_required
from werkzeug.wsgi import wrap_file

from lms.apikit import token_or_login_required
from lms.catalog.models import Course
from lms.certificates import backissue, bulkzip, credentials, lifecycle, retake, service
from lms.certificates.api import verify_limit
from lms.certificates.credential_views import bp as credentials_bp
from lms.certificates.forms import (
    BackIssueForm,
    CourseZipForm,
    DecisionForm,
    NameChangeForm,
    RetakeForm,
    RevokeForm,
    SettingsForm,
    VerifyForm,
)
from lms.certificates.models import REVOKE_CATEGORIES
from lms.certificates.pdf import format_date
from lms.certificates.settings import SettingsChange, current_settings, update_settings
from lms.errors import Conflict, NotFound, ValidationError
from lms.extensions import db, limiter, utcnow
from lms.forms import apply_errors
from lms.jobs.service import job_row
from lms.storage import content_disposition
from lms.web import me

bp = Blueprint("certificates", __name__)
bp.register_blueprint(credentials_bp)


# --- public verification -------------------------------------------------------


@bp.get("/verify")
def verify_lookup():
    form = VerifyForm(request.args)
    if request.args and form.validate():
        return redirect(url_for("certificates.verify", code=form.code.data.strip()))
    return render_template("certificates/verify_lookup.html", form=form)


@bp.get("/verify/<code>")
@limiter.shared_limit(verify_limit, scope="certificate-verify")
def verify(code: str):
    try:
        facts = service.verify(code, utcnow().date())
    except NotFound:
        return render_template("certificates/verify_unknown.html", code=code[:64]), 404
    links = credentials.links_for(service.get_certificate(code))
    return render_template("certificates/verify.html", facts=facts, credential=links)


# --- downloads -----------------------------------------------------------------


@bp.get("/certificates/<code>.pdf")
@token_or_login_required
def download(code: str):
    cert = service.certificate_for_download(me(), code)
    etag = cert.pdf_checksum or ""
    headers = {"ETag": f'"{etag}"', "Cache-Control": "private, no-cache"}
    if etag and etag in request.if_none_match:
        return Response(status=304, headers=headers)
    stream = service.open_pdf(cert)

    def chunks():
        with stream:
            while chunk := stream.read(64 * 1024):
                yield chunk

    headers["Content-Disposition"] = content_disposition(
        service.download_name(cert), inline=False, content_type="application/pdf")
    return Response(stream_with_context(chunks()), mimetype="application/pdf", headers=headers)


@bp.get("/my-certificates")
@login_required
def mine():
    certificates = service.my_certificates(me())
    today = utcnow().date()
    return render_template("certificates/mine.html", certificates=certificates, today=today,
                           retakes=retake.retake_checks(me(), certificates, today),
                           retake_form=RetakeForm())


@bp.post("/my-certificates/retake/<int:course_id>")
@login_required
def start_retake(course_id: int):
    form = RetakeForm()
    if not form.validate_on_submit():
        flash("The form expired; press the button again.", "error")
        return redirect(url_for("certificates.mine"))
    try:
        course, edition = retake.start_retake(me(), course_id)
    except Conflict as exc:
        flash(exc.detail, "error")
        return redirect(url_for("certificates.mine"))
    db.session.commit()
    flash(f"Your retake has started (edition {edition}): your progress starts afresh. "
          "Your earlier certificates stay valid until they expire.", "success")
    return redirect(url_for("progress.course_home", slug=course.slug))


@bp.route("/my-certificates/<code>/name", methods=["GET", "POST"])
@login_required
def request_name(code: str):
    cert = service.own_certificate(me(), code)
    form = NameChangeForm()
    if form.validate_on_submit():
        try:
            lifecycle.request_name_change(me(), code, form.requested_name.data, form.note.data)
        except (ValidationError, Conflict) as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash("Thank you. Staff will review the corrected name and reissue the certificate.",
                  "success")
            return redirect(url_for("certificates.mine"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("certificates/request_name.html", cert=cert, form=form), status


# --- staff ---------------------------------------------------------------------


@bp.get("/admin/certificates")
@login_required
def admin_index():
    requests = lifecycle.pending_requests(me())
    return render_template("certificates/admin_index.html", requests=requests,
                           courses=service.course_overview(me()), form=DecisionForm(),
                           lookup=VerifyForm())


@bp.get("/admin/certificates/find")
@login_required
def admin_find():
    code = request.args.get("code", "")
    cert = service.find(code)
    if cert is None:
        flash("No certificate has that code.", "error")
        return redirect(url_for("certificates.admin_index"))
    return redirect(url_for("certificates.admin_certificate", code=cert.code))


@bp.route("/admin/certificates/<code>", methods=["GET", "POST"])
@login_required
def admin_certificate(code: str):
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            lifecycle.revoke(me(), code, form.reason.data, form.category.data)
        except (ValidationError, Conflict) as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash("The certificate is revoked; its verification page says so.", "success")
            return redirect(url_for("certificates.admin_certificate", code=code))
    cert, versions, requests = lifecycle.history(me(), code)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("certificates/admin_certificate.html", cert=cert, versions=versions,
                           requests=requests, form=form, categories=REVOKE_CATEGORIES), status


@bp.post("/admin/certificates/requests/<int:request_id>")
@login_required
def admin_decide(request_id: int):
    form = DecisionForm()
    if form.validate_on_submit():
        approve = request.form.get("decision") == "approve"
        decided = lifecycle.decide_name_change(me(), request_id, approve)
        db.session.commit()
        flash(f"Request {'approved: the certificate was reissued' if approve else 'rejected'}.",
              "success")
        return redirect(url_for("certificates.admin_certificate",
                                code=decided.certificate.code))
    return redirect(url_for("certificates.admin_index"))


@bp.route("/admin/certificates/courses/<int:course_id>/back-issue", methods=["GET", "POST"])
@login_required
def admin_back_issue(course_id: int):
    form = BackIssueForm()
    if form.validate_on_submit():
        count, _job = backissue.start_back_issue(me(), course_id)
        db.session.commit()
        flash(f"Issuing {count} certificate{'s' if count != 1 else ''} in the background; "
              "this page shows how far it has come.", "success")
        return redirect(url_for("certificates.admin_back_issue", course_id=course_id))
    count = backissue.back_issue(me(), course_id, dry_run=True)
    course = db.get_or_404(Course, course_id)
    job = backissue.back_issue_job(course_id)
    return render_template("certificates/back_issue.html", course=course, count=count, form=form,
                           job=job_row(job) if job is not None else None)


@bp.route("/admin/certificates/courses/<int:course_id>/zip", methods=["GET", "POST"])
@login_required
def admin_course_zip(course_id: int):
    """The course's ZIP of certificates: build one in the background, see how far, download."""
    form = CourseZipForm()
    if form.validate_on_submit():
        bulkzip.start_course_zip(me(), course_id)
        db.session.commit()
        flash("Building the ZIP in the background; this page offers it once it is ready.",
              "success")
        return redirect(url_for("certificates.admin_course_zip", course_id=course_id))
    lifecycle.require_admin(me(), "download certificates in bulk")
    course = db.get_or_404(Course, course_id)
    job = bulkzip.course_zip_job(course_id)
    return render_template("certificates/course_zip.html", course=course, form=form,
                           job=job_row(job) if job is not None else None)


@bp.get("/admin/certificates/zips/<int:job_id>.zip")
@login_required
def admin_zip_download(job_id: int):
    """A ZIP a job stored: a presigned URL of the store (S3), or streamed from the folder."""
    stored = bulkzip.zip_download(me(), job_id)
    if stored.url:
        return redirect(stored.url, 302)
    headers = {"Content-Disposition": content_disposition(stored.name, inline=False,
                                                          content_type=bulkzip.ZIP_TYPE),
               "Cache-Control": "private, no-store"}
    response = Response(wrap_file(request.environ, stored.stream), mimetype=bulkzip.ZIP_TYPE,
                        headers=headers, direct_passthrough=True)
    response.content_length = stored.size
    return response


@bp.route("/admin/certificates/settings", methods=["GET", "POST"])
@login_required
def admin_settings():
    row = current_settings()
    form = SettingsForm(obj=row)
    if form.validate_on_submit():
        try:
            update_settings(me(), _settings_change(form))
        except (ValidationError, Conflict) as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash("Certificate settings saved. New certificates use them.", "success")
            return redirect(url_for("certificates.admin_settings"))
    elif request.method == "GET":
        lifecycle.require_admin(me(), "change certificate settings")
    status = 422 if form.errors or form.form_errors else 200
    return render_template("certificates/settings.html", form=form, row=row), status


def _settings_change(form: SettingsForm) -> SettingsChange:
    def read(field):
        upload = field.data
        return upload.read(3 * 1024 * 1024) if upload and getattr(upload, "filename", "") else None

    return SettingsChange(
        org_name=form.org_name.data or "", signatory_name=form.signatory_name.data or "",
        signatory_title=form.signatory_title.data or "", page_size=form.page_size.data,
        logo=read(form.logo), signature=read(form.signature),
        remove_logo=form.remove_logo.data, remove_signature=form.remove_signature.data)


@bp.app_template_filter("long_date")
def long_date_filter(moment) -> str:
    return format_date(moment)
