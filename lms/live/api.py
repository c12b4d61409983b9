"""Live webinars JSON API: schedule sessions, list them, register, cancel, join."""

from __future__ import annotations

from flask import redirect, request, url_for

from lms.apikit import actor, api_blueprint, iso, json_body, listing, page_args, require_actor
from lms.extensions import db
from lms.live import registration, service
from lms.live.models import LiveSession, Registration
from lms.openapi import (
    TIMESTAMP,
    integer,
    items_of,
    listing_of,
    nullable,
    obj,
    operation,
    query,
    ref,
    text,
)
from lms.openapi import redirect as redirect_response

bp = api_blueprint("live_api", __name__)

STATUS = {"enum": ["scheduled", "live", "ended", "cancelled"]}
SCHEMAS = {
    "LiveSession": obj(
        id="integer", course_id="integer", course_title="string", course_slug="string",
        starts_at=TIMESTAMP, ends_at=TIMESTAMP, capacity=nullable({"type": "integer"}),
        registered="integer", waitlisted="integer", status=STATUS, min_minutes="integer",
        join_opens_at=TIMESTAMP, page_url="string", topics={"type": "array",
                                                             "items": {"type": "string"}}),
    "SessionRegistration": obj(status={"enum": ["registered", "waitlisted"]},
                               ics_url="string", session_id="integer",
                               group_viewers={"type": "array", "items": obj(
                                   name="string", email="string")}),
}
SCHEMAS["MySession"] = SCHEMAS["LiveSession"] | {
    "properties": SCHEMAS["LiveSession"]["properties"] | {
        "registration": {"enum": ["registered", "waitlisted"]}},
    "required": [*SCHEMAS["LiveSession"]["required"], "registration"]}
SESSION_BODY = obj(
    starts_at={"type": "string", "format": "date-time"},
    ends_at={"type": "string", "format": "date-time"},
    capacity=integer(1, service.MAX_CAPACITY, optional=True, null=True),
    join_url=text(500, required=True),
    min_minutes=integer(0, optional=True)) | {"examples": [{
        "starts_at": "2030-03-05T19:00:00Z", "ends_at": "2030-03-05T20:30:00Z",
        "capacity": 50, "join_url": "https://meet.example.org/j/123", "min_minutes": 60}]}
REGISTRATION_BODY = obj(
    group_viewers={"type": "array", "maxItems": 50, "optional": True,
                   "items": obj(name=text(200, required=True), email="string")},
    time_zone={"type": "string", "optional": True,
               "description": "The browser's zone: becomes yours if you never chose one"})
OPENAPI = {
    "/courses/{course_id}/sessions": {"post": operation(
        "Schedule a live session of a course (its instructors, admin); times with a zone, "
        "stored in UTC; min_minutes defaults to three quarters of the session",
        body=SESSION_BODY, returns=ref("LiveSession"), creates="session_id",
        responses={201: "The session (never its join_url)", 403: "Not allowed"})},
    "/sessions": {"get": operation(
        "Sessions of published courses, soonest first (without from: those not yet ended)",
        auth=False, paged=True, returns=listing_of(ref("LiveSession")),
        params=[query("from", description="A date (YYYY-MM-DD) or timestamp with a zone"),
                query("to", description="A date (included) or timestamp with a zone"),
                query("topic", description="A topic slug")],
        responses={200: "{items, total, page, per_page}", 400: "Bad from or to"})},
    "/sessions/{session_id}": {"get": operation(
        "One session of a published course", auth=False, returns=ref("LiveSession"),
        responses={200: "The session"})},
    "/sessions/{session_id}/registration": {
        "post": operation(
            "Register (a seat, or the waitlist when full); enrols you in the course; the "
            "confirmation mail carries the invitation (.ics)",
            body=REGISTRATION_BODY, optional_body=True,
            returns=ref("SessionRegistration"),
            responses={201: "Registered or waitlisted", 200: "Already registered or waiting",
                       403: "The course needs a signup code you have not used",
                       409: "The session was cancelled or has ended"})
        | {"requestBody": {"required": False, "content": {
            "application/json": {"schema": REGISTRATION_BODY}}}},
        "delete": operation(
            "Cancel your registration; the first member waiting takes the seat and is told",
            responses={204: "Cancelled"}),
    },
    "/sessions/{session_id}/join": {"get": operation(
        "Join: a redirect to the meeting from 15 minutes before the start to the end "
        "(your first join is recorded)",
        responses={302: redirect_response("The meeting's address"),
                   403: "You are on the waitlist",
                   409: "Not open: the problem has opens_at (ISO 8601), or was cancelled"})},
    "/me/sessions": {"get": operation(
        "Sessions you registered for or wait for, soonest first",
        returns=items_of(ref("MySession")),
        responses={200: "{items, total}"})},
}


def session_json(session: LiveSession) -> dict:
    """A session as the API shows it: never its join_url."""
    course = session.course
    return {"id": session.id, "course_id": session.course_id, "course_title": course.title,
            "course_slug": course.slug, "starts_at": iso(session.starts_at),
            "ends_at": iso(session.ends_at), "capacity": session.capacity,
            "registered": session.registered_count, "waitlisted": session.waitlisted_count,
            "status": service.status_of(session), "min_minutes": session.min_minutes,
            "join_opens_at": iso(service.join_opens_at(session)),
            "page_url": url_for("live.session_page", session_id=session.id),
            "topics": [topic.slug for topic in course.topics]}


def registration_json(entry: Registration) -> dict:
    return {"status": entry.status, "session_id": entry.session_id,
            "ics_url": url_for("live.session_ics", session_id=entry.session_id),
            "group_viewers": [{"name": v.name, "email": v.email} for v in entry.group_viewers]}


@bp.post("/courses/<int:course_id>/sessions")
def create_session(course_id: int):
    session = service.create_session(require_actor(), course_id, json_body())
    db.session.commit()
    return session_json(session), 201


@bp.get("/sessions")
def list_sessions():
    page, per_page = page_args()
    filters = service.parse_filters(request.args.get("from"), request.args.get("to"),
                                    request.args.get("topic"))
    sessions, total = service.list_sessions(filters, page=page, per_page=per_page)
    return listing([session_json(s) for s in sessions], total, page, per_page)


@bp.get("/sessions/<int:session_id>")
def get_session(session_id: int):
    return session_json(service.get_visible_session(actor(), session_id))


@bp.post("/sessions/<int:session_id>/registration")
def register(session_id: int):
    entry, created = registration.register(require_actor(), session_id,
                                           json_body(optional=True))
    answer = registration_json(entry)  # before the commit expires what it shows
    db.session.commit()
    return answer, 201 if created else 200


@bp.delete("/sessions/<int:session_id>/registration")
def cancel_registration(session_id: int):
    registration.cancel_registration(require_actor(), session_id)
    db.session.commit()
    return "", 204


@bp.get("/sessions/<int:session_id>/join")
def join(session_id: int):
    target = registration.join(require_actor(), session_id)
    db.session.commit()
    return redirect(target, 302)


@bp.get("/me/sessions")
def my_sessions():
    found = registration.my_sessions(require_actor())
    return {"items": [session_json(entry.session) | {"registration": entry.status}
                      for entry in found], "total": len(found)}
