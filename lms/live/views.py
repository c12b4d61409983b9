"""Live webinar pages for members: the public calendar, a session's page with its
register and cancel buttons, the join page, the invitation and the member's feed."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from lms import memo, pagecache
from lms.apikit import token_or_login_required
from lms.catalog.topics import list_topics
from lms.errors import DomainError, NotFound
from lms.extensions import db, utcnow
from lms.forms import refuse
from lms.live import feed, ics, registration, service
from lms.live.forms import PlainForm, RegisterForm
from lms.live.models import LiveSession, Registration
from lms.live.notify import event_data
from lms.live.times import span, when
from lms.web import me

bp = Blueprint("live", __name__)
PER_PAGE = 20


@dataclass(frozen=True)
class SessionRow:
    """A session as a page shows it, in the reader's time zone."""

    id: int
    title: str
    course_slug: str
    summary: str
    when: str
    starts_at: datetime
    status: str
    seats_left: int | None
    waitlisted: int


def row(session: LiveSession, zone: str | None) -> SessionRow:
    left = (None if session.capacity is None
            else max(session.capacity - session.registered_count, 0))
    return SessionRow(session.id, session.course.title, session.course.slug,
                      session.course.summary, span(session.starts_at, session.ends_at, zone),
                      session.starts_at, service.status_of(session), left,
                      session.waitlisted_count)


def _viewer():
    """The signed-in member, or None for a visitor (services take None for anonymous)."""
    return me() if current_user.is_authenticated else None


def _zone() -> str | None:
    return current_user.time_zone if current_user.is_authenticated else None


@bp.get("/webinars")
@pagecache.for_anonymous(lambda **_: service.upcoming_stamp())
def webinars():
    topic = request.args.get("topic", "").strip()[:60]
    page = max(request.args.get("page", 1, type=int), 1)
    sessions, total = service.list_sessions(service.Filters(topic=topic or None),
                                            page=page, per_page=PER_PAGE)
    return render_template("live/webinars.html", rows=[row(s, _zone()) for s in sessions],
                           total=total, page=page, topic=topic, topics=list_topics(),
                           zone=_zone() or "UTC",
                           next_url=(url_for("live.webinars", topic=topic or None,
                                             page=page + 1)
                                     if page * PER_PAGE < total else None))


@bp.get("/sessions/<int:session_id>")
def session_page(session_id: int):
    return render_session(session_id, RegisterForm())


def render_session(session_id: int, form: RegisterForm, status: int = 200):
    session = service.get_visible_session(_viewer(), session_id)
    entry = registration.registration_of(_viewer(), session_id)
    place = entry.status if entry is not None and entry.status != "cancelled" else None
    return render_template(
        "live/session.html", s=row(session, _zone()), place=place, form=form,
        cancel_form=PlainForm(), zone=_zone() or "UTC",
        join_open=service.join_is_open(session),
        opens_at=when(service.join_opens_at(session), _zone())), status


@bp.post("/sessions/<int:session_id>/register")
@login_required
def register(session_id: int):
    form = RegisterForm()
    if not form.validate_on_submit():
        return render_session(session_id, form, 400)
    try:
        entry, _ = registration.register(me(), session_id, {
            "time_zone": form.time_zone.data,
            "group_viewers": parse_viewers(form.group_viewers.data or "")})
    except DomainError as exc:
        if exc.status == 404:
            raise
        refuse(form, exc)
        return render_session(session_id, form, exc.status)
    db.session.commit()
    flash("You are registered: the invitation is on its way by email."
          if entry.status == "registered" else
          "The session is full: you are on the waitlist, and we will email you if a seat "
          "becomes yours.", "success")
    return redirect(url_for("live.session_page", session_id=session_id), code=303)


def parse_viewers(text: str) -> list[dict[str, str]]:
    """``Name, email`` lines as the service's ``[{name, email}]`` (it checks them)."""
    viewers = []
    for line in filter(None, (raw.strip() for raw in text.splitlines())):
        name, _, email = line.rpartition(",")
        viewers.append({"name": name.strip(), "email": email.strip()})
    return viewers


@bp.post("/sessions/<int:session_id>/cancel")
@login_required
def cancel(session_id: int):
    if not PlainForm().validate_on_submit():
        return render_session(session_id, RegisterForm(), 400)
    registration.cancel_registration(me(), session_id)
    db.session.commit()
    flash("Your registration is cancelled.", "success")
    return redirect(url_for("live.session_page", session_id=session_id), code=303)


@bp.get("/sessions/<int:session_id>/join")
@login_required
def join(session_id: int):
    try:
        target = registration.join(me(), session_id)
    except registration.JoinNotOpen as exc:
        session = service.get_visible_session(me(), session_id)
        return render_template("live/join_wait.html", s=row(session, _zone()),
                               opens_at=when(exc.opens_at, _zone()),
                               ended=session.ends_at <= utcnow()), 409
    db.session.commit()
    return redirect(target, 302)


@bp.get("/sessions/<int:session_id>.ics")
@token_or_login_required
def session_ics(session_id: int):
    entry = _own_registration(session_id)
    body = ics.invitation(event_data(entry.session, attendee=me().email),
                          cancel=entry.session.status == "cancelled")
    return Response(body, mimetype=ics.CONTENT_TYPE, headers={
        "Content-Disposition": f'attachment; filename="session-{session_id}.ics"',
        "Cache-Control": "private, no-store"})


def _own_registration(session_id: int) -> Registration:
    entry = registration.registration_of(me(), session_id)
    if entry is None or entry.status != "registered":
        raise NotFound("You have no seat at this session.")
    return entry


def course_page_section(course_id: int) -> Markup | None:
    """The course page lists its upcoming live sessions (nothing when it has none)."""
    sessions = service.upcoming_for_course(course_id)
    if not sessions:
        return None
    return Markup(render_template(  # noqa: S704 - the output of an autoescaping template
        "live/_course_sessions.html", rows=[row(s, _zone()) for s in sessions],
        zone=_zone() or "UTC"))


#: My learning's "upcoming webinars" by member id, kept under the member's
#: ``live_revision``, zone and the minute (sessions drop off the list as they end).
_upcoming: memo.StampedCache[Markup | None] = memo.StampedCache()


def my_learning_section(user) -> Markup | None:
    """Upcoming sessions on My learning (nothing when the member has none); no statement
    while the member's places are those the section was kept under."""
    stamp = (user.live_revision, user.time_zone, int(time.time() // 60))
    return _upcoming.get(user.id, stamp, lambda: _upcoming_section(user))


def _upcoming_section(user) -> Markup | None:
    entries = registration.my_sessions(user)
    if not entries:
        return None
    rows = [(row(e.session, user.time_zone), e.status) for e in entries[:3]]
    return Markup(render_template(  # noqa: S704 - the output of an autoescaping template
        "live/_upcoming.html", entries=rows, more=len(entries) > 3))


@bp.get("/my-learning/webinars")
@login_required
def mine():
    entries = registration.my_sessions(me())
    current = feed.current_feed(me())
    feed_url = current and url_for("live.calendar_feed", token=feed.token_of(current),
                                   _external=True)
    return render_template("live/mine.html", entries=[(row(e.session, _zone()), e.status)
                                                      for e in entries],
                           feed_url=feed_url, form=PlainForm(), zone=_zone() or "UTC")


@bp.post("/my-learning/webinars/feed")
@login_required
def reset_feed():
    if PlainForm().validate_on_submit():
        had_one = feed.current_feed(me()) is not None
        feed.reset_feed(me())
        db.session.commit()
        flash("Your calendar has a new address: subscribe to it again; the old one no "
              "longer works." if had_one else "Your calendar address is ready.", "success")
    return redirect(url_for("live.mine"), code=303)


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str):
    return Response(feed.feed_bytes(token), mimetype=ics.CONTENT_TYPE,
                    headers={"Cache-Control": "private, no-store"})
