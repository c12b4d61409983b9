"""Ledger pages: My credits (and its section on My learning), staff review and credit
types, and a course's credits in the studio."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from markupsafe import Markup

from lms import memo
from lms.accounts.models import User
from lms.catalog.access import can_edit
from lms.catalog.models import Course
from lms.errors import DomainError, Forbidden
from lms.extensions import db
from lms.forms import refuse
from lms.ledger import external, service, types
from lms.ledger.forms import CreditTypeForm, CycleForm, ExternalCreditForm, PlainForm, ReviewForm
from lms.media.service import upload_evidence
from lms.web import me

bp = Blueprint("ledger", __name__)


def _type_choices() -> list[tuple[str, str]]:
    return [(t.slug, t.name) for t in types.credit_types()] or [("ce-hours", "CE hours")]


# --- the member's ledger --------------------------------------------------------------


#: The cycle section of My learning by member id, kept under what it shows.
_sections: memo.StampedCache[Markup] = memo.StampedCache()


def my_learning_section(user: User) -> Markup | None:
    """The renewal cycle on My learning (or an invitation to set one); no statement while
    the member's ``ledger_revision`` and local date are those it was kept under."""
    return _sections.get(user.id, service.ledger_stamp(user), lambda: Markup(  # noqa: S704
        render_template("ledger/_cycle.html", view=service.cycle_view(user), compact=True)))


@bp.get("/my-learning/credits")
@login_required
def mine():
    body = _ledgers.get(me().id, service.ledger_stamp(me()), _mine_main)
    return render_template("ledger/mine.html", main=body)


def _mine_main() -> Markup:
    entries = service.my_credits(me(), service.Filters())
    return Markup(render_template(  # noqa: S704
        "ledger/_mine_main.html", entries=entries, totals=service.totals(entries),
        view=service.cycle_view(me())))


#: The body of the ledger page by member id, kept under what it shows.
_ledgers: memo.StampedCache[Markup] = memo.StampedCache()


@bp.route("/my-learning/credits/new", methods=["GET", "POST"])
@login_required
def add_credit():
    form = ExternalCreditForm()
    form.credit_type.choices = _type_choices()
    if form.validate_on_submit():
        try:
            _add_external(form)
        except DomainError as exc:
            refuse(form, exc)
        else:
            db.session.commit()
            flash("Credit added. Staff will review it; you will get an email.", "success")
            return redirect(url_for("ledger.mine"), code=303)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("ledger/add_credit.html", form=form), status


def _add_external(form: ExternalCreditForm) -> None:
    upload = form.evidence.data
    media_id = None
    if upload is not None and getattr(upload, "filename", ""):
        media_id = upload_evidence(me(), upload.filename, upload.mimetype, upload.stream).id
    external.add_external(me(), {
        "title": form.title.data, "provider": form.provider.data,
        "credit_type": form.credit_type.data, "amount": form.amount.data,
        "earned_on": form.earned_on.data.isoformat(), "evidence_media_id": media_id})


@bp.route("/my-learning/credits/cycle", methods=["GET", "POST"])
@login_required
def set_cycle():
    form = CycleForm()
    form.credit_type.choices = _type_choices()
    if form.validate_on_submit():
        try:
            service.set_cycle(me(), {
                "credit_type": form.credit_type.data,
                "required_amount": form.required_amount.data,
                "starts_on": form.starts_on.data.isoformat(),
                "ends_on": form.ends_on.data.isoformat()})
        except DomainError as exc:
            refuse(form, exc)
        else:
            db.session.commit()
            flash("Renewal cycle saved.", "success")
            return redirect(url_for("ledger.mine"), code=303)
    elif not form.is_submitted():
        _fill_cycle(form, service.cycle_view(me()))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("ledger/cycle.html", form=form), status


def _fill_cycle(form: CycleForm, view: service.CycleView | None) -> None:
    if view is not None:
        form.credit_type.data, form.required_amount.data = view.credit_type, \
            view.cycle.required_amount
        form.starts_on.data, form.ends_on.data = view.cycle.starts_on, view.cycle.ends_on


# --- staff: review queue and credit types -------------------------------------------


@bp.get("/admin/credits")
@login_required
def admin_credits():
    args = request.args
    page = max(int(args.get("page", "1")) if args.get("page", "1").isdigit() else 1, 1)
    status = args.get("status", "pending")
    rows, total = external.review_queue(me(), status=status,
                                        credit_type=args.get("credit_type", ""),
                                        query=args.get("q", "").strip()[:200], page=page)
    return render_template("ledger/admin_credits.html", rows=rows, total=total, page=page,
                           status=status, credit_type=args.get("credit_type", ""),
                           q=args.get("q", ""), types=types.credit_types(), form=PlainForm(),
                           review_form=ReviewForm())


@bp.post("/admin/credits/approve")
@login_required
def bulk_approve():
    form = PlainForm()
    types.require_staff(me(), "review credits")
    if form.validate_on_submit():
        ids = [int(value) for value in request.form.getlist("credit_id") if value.isdigit()]
        count = external.bulk_approve(me(), ids[:500])
        db.session.commit()
        flash(f"Approved {count} credit{'' if count == 1 else 's'}.", "success")
    return redirect(url_for("ledger.admin_credits"), code=303)


@bp.post("/admin/credits/<int:credit_id>/review")
@login_required
def review(credit_id: int):
    form = ReviewForm()
    types.require_staff(me(), "review credits")
    if form.validate_on_submit():
        decision = "approve" if request.form.get("decision") == "approve" else "reject"
        try:
            external.review(me(), credit_id, decision, form.note.data)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.detail, "error")
        else:
            db.session.commit()
            flash("Decision saved; the member will get an email.", "success")
    return redirect(url_for("ledger.admin_credits"), code=303)


@bp.route("/admin/credit-types", methods=["GET", "POST"])
@login_required
def admin_types():
    types.require_staff(me(), "configure credit types")
    form = CreditTypeForm()
    if form.validate_on_submit():
        try:
            types.create_type(me(), form.slug.data, form.name.data, form.unit.data)
        except DomainError as exc:
            refuse(form, exc)
        else:
            db.session.commit()
            flash("Credit type added.", "success")
            return redirect(url_for("ledger.admin_types"), code=303)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("ledger/admin_types.html", form=form, types=types.credit_types(),
                           plain=PlainForm()), status


@bp.post("/admin/credit-types/<int:type_id>")
@login_required
def admin_type(type_id: int):
    form = CreditTypeForm()
    types.require_staff(me(), "configure credit types")
    if form.validate_on_submit():
        _flash_result(lambda: types.update_type(me(), type_id, form.name.data, form.unit.data),
                      "Credit type saved.")
    return redirect(url_for("ledger.admin_types"), code=303)


@bp.post("/admin/credit-types/<int:type_id>/delete")
@login_required
def delete_type(type_id: int):
    types.require_staff(me(), "configure credit types")
    if PlainForm().validate_on_submit():
        _flash_result(lambda: types.delete_type(me(), type_id), "Credit type deleted.")
    return redirect(url_for("ledger.admin_types"), code=303)


def _flash_result(action, message: str) -> None:
    try:
        action()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.detail, "error")
    else:
        db.session.commit()
        flash(message, "success")


# --- studio: what a course awards ----------------------------------------------------


@bp.route("/studio/courses/<int:course_id>/credits", methods=["GET", "POST"])
@login_required
def course_credits(course_id: int):
    course = db.get_or_404(Course, course_id)
    if not can_edit(me(), course):
        raise Forbidden("Only this course's instructors and site staff can set its credits.")
    form, errors = PlainForm(), {}
    if form.validate_on_submit():
        amounts = {key.removeprefix("amount-"): value.strip()
                   for key, value in request.form.items() if key.startswith("amount-")}
        try:
            types.set_course_awards(me(), course.id, amounts)
        except DomainError as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            db.session.commit()
            flash("Credits saved.", "success")
            return redirect(url_for("ledger.course_credits", course_id=course.id), code=303)
    awarded = {t.slug: amount for t, amount in types.course_awards(course)}
    values = {t.slug: request.form.get(f"amount-{t.slug}", awarded.get(t.slug, ""))
              for t in types.credit_types()}
    return render_template("ledger/course_credits.html", course=course, form=form,
                           types=types.credit_types(), values=values, errors=errors), \
        422 if errors else 200
