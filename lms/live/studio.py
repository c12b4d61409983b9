"""Studio pages for a course's live sessions: schedule, edit, cancel, see registrants."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required

from lms.errors import DomainError
from lms.extensions import db
from lms.forms import refuse
from lms.live import service
from lms.live.forms import PlainForm, SessionForm
from lms.live.models import LiveSession
from lms.live.times import local, span, zone_of
from lms.web import me

bp = Blueprint("live_studio", __name__)


@bp.route("/studio/courses/<int:course_id>/sessions", methods=["GET", "POST"])
@login_required
def sessions(course_id: int):
    course, found = service.course_sessions(me(), course_id)
    form = SessionForm()
    if form.validate_on_submit():
        try:
            session = service.create_session(me(), course_id, _fields(form))
        except DomainError as exc:
            refuse(form, exc)
        else:
            db.session.commit()
            flash("Session scheduled.", "success")
            return redirect(url_for("live_studio.edit", session_id=session.id), code=303)
    status = 422 if form.errors or form.form_errors else 200
    rows = [(s, span(s.starts_at, s.ends_at, _zone()), service.status_of(s)) for s in found]
    return render_template("live/studio_sessions.html", course=course, rows=rows, form=form,
                           zone=_zone()), status


@bp.route("/studio/sessions/<int:session_id>", methods=["GET", "POST"])
@login_required
def edit(session_id: int):
    session = service.get_editable_session(me(), session_id)
    form = SessionForm(obj=_LocalSession(session, _zone()))
    if form.validate_on_submit():
        try:
            service.update_session(me(), session_id, _fields(form))
        except DomainError as exc:
            refuse(form, exc)
        else:
            db.session.commit()
            flash("Session saved. If its time changed, registrants were sent an updated "
                  "invitation.", "success")
            return redirect(url_for("live_studio.edit", session_id=session_id), code=303)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("live/studio_session.html", session=session, course=session.course,
                           when=span(session.starts_at, session.ends_at, _zone()),
                           status_label=service.status_of(session), form=form,
                           zone=_zone()), status


@bp.post("/studio/sessions/<int:session_id>/cancel")
@login_required
def cancel(session_id: int):
    if PlainForm().validate_on_submit():
        service.cancel_session(me(), session_id)
        db.session.commit()
        flash("Session cancelled: everyone registered or waiting was told by email.",
              "success")
    else:
        service.get_editable_session(me(), session_id)
    return redirect(url_for("live_studio.edit", session_id=session_id), code=303)


@bp.get("/studio/sessions/<int:session_id>/registrants")
@login_required
def registrants(session_id: int):
    session, registered, waiting = service.registrants(me(), session_id)
    return render_template("live/studio_registrants.html", session=session,
                           course=session.course, registered=registered, waiting=waiting,
                           when=span(session.starts_at, session.ends_at, _zone()),
                           zone=_zone())


def _zone() -> str:
    return me().time_zone or "UTC"


class _LocalSession:
    """A session's fields as the form shows them: local times without a zone."""

    def __init__(self, session: LiveSession, zone: str) -> None:
        self.starts_at = local(session.starts_at, zone).replace(tzinfo=None)
        self.ends_at = local(session.ends_at, zone).replace(tzinfo=None)
        self.capacity, self.join_url = session.capacity, session.join_url
        self.min_minutes = session.min_minutes


def _fields(form: SessionForm) -> dict:
    zone = zone_of(_zone())
    fields = {"starts_at": _aware(form.starts_at.data, zone),
              "ends_at": _aware(form.ends_at.data, zone), "capacity": form.capacity.data,
              "join_url": form.join_url.data}
    if form.min_minutes.data is not None:  # empty: the service's default
        fields["min_minutes"] = form.min_minutes.data
    return fields


def _aware(moment: datetime, zone) -> datetime:
    return moment.replace(tzinfo=zone)
