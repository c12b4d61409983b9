"""LTI 1.3 endpoints for platforms (/lti/*) and the staff page of registered platforms.

``/lti/login`` and ``/lti/launch`` are called by a platform's browser form posts,
so they take no CSRF token (the launch is authenticated by its signed ID token
and the one-use state instead). The deep-link chooser is a page of ours: its
form carries our CSRF token as every other form does.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user

from lms.errors import BadRequest, DomainError
from lms.extensions import csrf, db, limiter
from lms.forms import refuse
from lms.standards import lti_keys, lti_platforms, lti_service
from lms.standards.forms import CourseChoiceForm, PlatformForm
from lms.web import CSP, me, site_url, storage_origins

bp = Blueprint("standards", __name__)


def launch_limit() -> str:
    """Logins and launches per client address (``LMS_LTI_LAUNCH_LIMIT``): generous, as a
    class behind one address starts together."""
    return current_app.config.get("LTI_LAUNCH_LIMIT", "120/minute")


def _launch_url() -> str:
    return site_url(url_for("standards.lti_launch"))


@bp.route("/lti/login", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(launch_limit)
def lti_login():
    """OIDC third-party login: off to the platform with a fresh state and nonce."""
    params = {name: request.values.get(name) for name in
              ("iss", "login_hint", "target_link_uri", "lti_message_hint", "client_id")}
    target = lti_service.start_login(params, _launch_url())
    db.session.commit()
    return redirect(target, 302)


@bp.post("/lti/launch")
@csrf.exempt
@limiter.limit(launch_limit)
def lti_launch():
    result = lti_service.launch(request.form.get("id_token"), request.form.get("state"))
    db.session.commit()
    if isinstance(result, lti_service.CourseLaunch):
        login_user(result.user)
        return redirect(url_for("catalog.course", slug=result.course_slug), 303)
    form = CourseChoiceForm(formdata=None, request_token=result.token)
    return render_template("standards/deep_link.html", form=form, courses=result.courses)


@bp.post("/lti/deep-link")
@limiter.limit(launch_limit)
def lti_deep_link():
    """The instructor's choice, signed and posted back to the platform by the browser."""
    form = CourseChoiceForm()
    if not form.validate_on_submit():
        raise BadRequest("Choose one of the courses listed, then press Add.")
    answer = lti_service.answer_deep_link(form.request_token.data, form.course.data,
                                          _launch_url())
    response = current_app.make_response(render_template(
        "standards/deep_link_return.html", answer=answer))
    origin = urlsplit(answer.return_url)
    response.headers["Content-Security-Policy"] = CSP.format(
        extra=storage_origins(current_app), frames="").replace(
        "form-action 'self'", f"form-action 'self' {origin.scheme}://{origin.netloc}")
    return response


@bp.get("/lti/jwks.json")
def lti_jwks():
    """The tool's public key, for platforms checking what it signs."""
    response = current_app.response_class(
        current_app.json.dumps(lti_keys.tool_key().public_jwks()), mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/admin/lti", methods=["GET", "POST"])
@login_required
def admin_platforms():
    found = lti_platforms.platforms(me())
    form = PlatformForm()
    if form.validate_on_submit():
        try:
            lti_platforms.register_platform(me(), {name: form[name].data
                                                   for name in lti_platforms.FIELDS})
        except DomainError as exc:
            refuse(form, exc)
        else:
            db.session.commit()
            flash("Platform registered: it may launch this site's courses now.", "success")
            return redirect(url_for("standards.admin_platforms"), code=303)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("standards/admin_platforms.html", form=form, platforms=found,
                           tool=lti_platforms.tool_urls(current_app.config["BASE_URL"])), status
