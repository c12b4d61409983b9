"""Attendance pages: staff upload a session's participant report and match unmatched
rows in the studio; a registrant confirms the colleagues who watched with them."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from lms.errors import DomainError
from lms.extensions import db
from lms.forms import refuse
from lms.live import attendance, group
from lms.live.attendance_forms import ConfirmForm, MatchForm, ReportForm
from lms.live.participants import MAX_BYTES
from lms.web import me

bp = Blueprint("live_attendance", __name__)


# --- studio: attendance ----------------------------------------------------------------


@bp.route("/studio/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@login_required
def attendance_page(session_id: int):
    page = attendance.attendance_page(me(), session_id)
    form = ReportForm()
    if form.validate_on_submit() and _import(form, session_id):
        return redirect(url_for(".attendance_page", session_id=session_id), code=303)
    status = 422 if form.errors or form.form_errors else 200
    return _render(page, form, status)


def _import(form: ReportForm, session_id: int) -> bool:
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors = [*form.file.errors, "Choose the report file to upload."]
        return False
    try:
        result = attendance.import_attendance(me(), session_id,
                                              upload.stream.read(MAX_BYTES + 1))
    except DomainError as exc:
        refuse(form, exc)
        return False
    db.session.commit()
    flash(_summary(result), "success")
    return True


def _summary(result: attendance.ImportResult) -> str:
    if result.repeated:
        return "This report was imported before: nothing changed."
    return (f"Report imported: {_count(result.matched, 'registrant')} matched, "
            f"{result.credited} newly credited, {_count(len(result.unmatched), 'row')} "
            "unmatched.")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _render(page: attendance.AttendancePage, form: ReportForm, status: int = 200):
    match_form = MatchForm()
    match_form.registration_id.choices = [(r.id, f"{u.name} ({u.email})")
                                          for r, u in page.registrants]
    return render_template("live/attendance.html", page=page, form=form,
                           match_form=match_form), status


@bp.post("/studio/sessions/<int:session_id>/attendance/match")
@login_required
def match(session_id: int):
    page = attendance.attendance_page(me(), session_id)
    form = MatchForm()
    form.registration_id.choices = [(r.id, u.name) for r, u in page.registrants]
    if form.validate_on_submit():
        try:
            credited = attendance.match_entry(me(), session_id, form.key.data or "",
                                              form.registration_id.data)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.detail, "error")
        else:
            db.session.commit()
            flash("Matched: the registrant has attended." if credited else
                  "Matched: the minutes were recorded (not enough for credit).", "success")
    return redirect(url_for(".attendance_page", session_id=session_id), code=303)


# --- member: colleagues who watched along ----------------------------------------------


@bp.route("/my-learning/sessions/<int:session_id>/group", methods=["GET", "POST"])
@login_required
def group_page(session_id: int):
    page = group.group_page(me(), session_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            confirmed = group.confirm_viewers(me(), session_id, request.form.getlist("email"))
        except DomainError as exc:
            refuse(form, exc)
        else:
            db.session.commit()
            flash(_confirmed_message(confirmed), "success")
            return redirect(url_for(".group_page", session_id=session_id), code=303)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("live/attendance_group.html", page=page, form=form), status


def _confirmed_message(confirmed: list[group.Confirmed]) -> str:
    if not confirmed:
        return "Tick the colleagues who watched with you."
    invited = sum(1 for c in confirmed if c.outcome == "invited")
    text = f"Confirmed {len(confirmed)} colleague{'s' if len(confirmed) != 1 else ''}."
    if invited:
        text += f" {invited} without an account were emailed how to claim their certificate."
    return text
