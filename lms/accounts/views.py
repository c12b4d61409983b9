"""Account pages: register, log in/out, password reset, profile, teaching, staff."""

from __future__ import annotations

from functools import partial

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from lms.accounts import passwords, service, sso, staff, teaching, tokens
from lms.accounts.forms import (
    EmptyForm,
    LoginForm,
    MemberAdminForm,
    PasswordForm,
    ProfileForm,
    RegisterForm,
    ResetForm,
    ResetRequestForm,
    TeachForm,
    TokenForm,
)
from lms.accounts.models import CAREER_STAGES, ORG_TYPES
from lms.errors import DomainError, RateLimited, Unauthorized, ValidationError
from lms.extensions import db, limiter
from lms.forms import apply_errors, refuse, save_form
from lms.web import safe_next_url, site_url

bp = Blueprint("accounts", __name__)
MEMBERS_PER_PAGE = 50


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("20/hour", methods=["POST"])
def register():
    if not current_app.config["SELF_REGISTRATION"]:
        abort(404)
    next_url = safe_next_url(request.args.get("next"), url_for("pages.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        data = service.Registration(**{k: form.data[k] for k in (
            "email", "password", "name", "certificate_name", "career_stage", "org_type")})
        try:
            user = service.register_member(data)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            login_user(user)
            flash("Welcome to Core Learning! Your account is ready.", "success")
            return redirect(next_url)
    html = render_template("accounts/register.html", form=form, next=kept_next())
    return html, 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    next_url = safe_next_url(request.args.get("next"), url_for("pages.home"))
    status = 200
    if form.validate_on_submit():
        try:
            user = service.authenticate(form.email.data, form.password.data, request.remote_addr)
        except RateLimited as exc:
            db.session.commit()
            form.form_errors.append(exc.detail)
            return login_page(form), 429, {"Retry-After": str(exc.retry_after)}
        except Unauthorized as exc:
            db.session.commit()
            form.form_errors.append(exc.detail)
            status = 401
        else:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(next_url)
    return login_page(form), status


@bp.get("/login/sso")
@limiter.limit("30/minute")
def sso_login():
    """Off to the association's provider; ``next=`` waits in the session for the return."""
    session["sso_next"] = safe_next_url(request.args.get("next"), url_for("pages.home"))
    return sso.login_redirect(site_url(url_for("accounts.sso_callback")))


@bp.get("/login/sso/callback")
@limiter.limit("30/minute")
def sso_callback():
    next_url = safe_next_url(session.pop("sso_next", None), url_for("pages.home"))
    user = sso.finish_login()
    db.session.commit()
    login_user(user)
    flash(f"Welcome, {user.name}! You are logged in through {sso.provider_name()}.", "success")
    return redirect(next_url)


def login_page(form: LoginForm) -> str:
    return render_template("accounts/login.html", form=form, next=kept_next(),
                           sso_name=sso.provider_name() if sso.is_enabled() else None)


def kept_next() -> str | None:
    """This page's own ``next=`` when it is safe, for the links between login and
    registration to carry on (a member who came from a course goes back to it)."""
    return safe_next_url(request.args.get("next"), "") or None


@bp.post("/logout")
@login_required
def logout():
    if EmptyForm().validate_on_submit():
        service.end_all_sessions(current_user)
        db.session.commit()
        logout_user()
        flash("You are logged out on every device.", "success")
    return redirect(url_for("pages.home"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit("5/minute;30/hour", methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        service.request_password_reset(
            form.email.data, lambda token: site_url(url_for("accounts.reset", token=token)))
        db.session.commit()
        flash("If an account uses that address, we have sent it a link to reset the password.",
              "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
def reset(token: str):
    user = passwords.user_for_reset_token(token)
    form = ResetForm()
    if form.validate_on_submit():
        try:
            service.reset_password(token, form.password.data)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash("Your password was changed. Log in with the new one.", "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form, user=user)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if save_form(form, lambda: service.update_profile(current_user, form.data),
                 "Your profile was saved."):
        return redirect(url_for("accounts.profile"))
    return render_profile(profile_form=form)


def render_profile(**forms):
    forms.setdefault("profile_form", ProfileForm(obj=current_user))
    forms.setdefault("password_form", PasswordForm())
    forms.setdefault("token_form", TokenForm())
    status = 422 if any(form.errors for form in forms.values()) else 200
    return render_template(
        "accounts/profile.html", tokens=tokens.active_tokens(current_user),
        revoke_form=EmptyForm(), application=teaching.pending_application(current_user),
        **forms), status


@bp.post("/profile/password")
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            service.change_password(current_user, form.current_password.data, form.password.data)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            login_user(current_user)  # this device stays logged in with the new version
            flash("Your password was changed; other devices were logged out and your API "
                  "tokens were revoked.", "success")
            return redirect(url_for("accounts.profile"))
    return render_profile(password_form=form)


@bp.post("/profile/tokens")
@login_required
def create_token():
    form = TokenForm()
    if form.validate_on_submit():
        token, _record = tokens.issue_api_token(current_user, form.name.data)
        db.session.commit()
        return render_template("accounts/token_created.html", token=token)
    return render_profile(token_form=form)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    if EmptyForm().validate_on_submit():
        tokens.revoke_api_token(current_user, token_id)
        db.session.commit()
        flash("The token was revoked.", "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/teach", methods=["GET", "POST"])
@login_required
def apply_to_teach():
    form = TeachForm()
    apply = partial(teaching.apply_to_teach, current_user, form.expertise.data,
                    form.proposed_topic.data)
    if save_form(form, apply, "Thank you! Staff will review your application."):
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/teach.html", form=form), 422 if form.errors else 200


@bp.get("/admin/members")
@login_required
def admin_members():
    q = request.args.get("q", "")
    role = request.args.get("role") or None
    page = max(request.args.get("page", 1, type=int), 1)
    members, total = staff.search_members(current_user, q, page, MEMBERS_PER_PAGE, role)
    pages = max(1, -(-total // MEMBERS_PER_PAGE))
    return render_template("accounts/admin_members.html", members=members, total=total,
                           q=q, role=role, page=page, pages=pages,
                           career_stages=CAREER_STAGES, org_types=ORG_TYPES)


@bp.route("/admin/members/<int:member_id>", methods=["GET", "POST"])
@login_required
def admin_member(member_id: int):
    member = staff.get_member(current_user, member_id)
    form = MemberAdminForm(obj=member)
    if form.validate_on_submit():
        try:
            save_member_admin(member, form)
        except DomainError as exc:
            refuse(form, exc)
        else:
            db.session.commit()
            flash(f"Saved {member.name}.", "success")
            return redirect(url_for("accounts.admin_member", member_id=member.id))
    html = render_template("accounts/admin_member.html", member=member, form=form)
    return html, 422 if form.errors or form.form_errors else 200


def save_member_admin(member, form: MemberAdminForm) -> None:
    roles = ["member"] + (["instructor"] if form.is_instructor.data else [])
    roles += ["admin"] if form.is_admin.data else []
    staff.set_roles(current_user, member.id, roles)
    staff.set_active(current_user, member.id, form.is_active.data)
    extra = (form.extra_time_percent.data or "0").strip()
    if not extra.isdigit():
        raise ValidationError("Whole number", errors={"extra_time_percent": ["Use 0 to 300."]})
    staff.set_extra_time(current_user, member.id, int(extra))


@bp.get("/admin/applications")
@login_required
def admin_applications():
    applications = teaching.list_applications(current_user)
    return render_template("accounts/admin_applications.html", applications=applications,
                           form=EmptyForm())


@bp.post("/admin/applications/<int:application_id>")
@login_required
def decide_application(application_id: int):
    if EmptyForm().validate_on_submit():
        approve = request.form.get("decision") == "approve"
        teaching.decide_application(current_user, application_id, approve)
        db.session.commit()
        flash("Approved." if approve else "Declined.", "success")
    return redirect(url_for("accounts.admin_applications"))
