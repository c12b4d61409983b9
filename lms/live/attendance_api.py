"""Live webinars JSON API, attendance part: participant report import, manual matching
of unmatched rows, and group viewers' confirmation."""

from __future__ import annotations

from flask import request

from lms.apikit import api_blueprint, json_body, require_actor
from lms.extensions import db
from lms.live import attendance, group
from lms.live.participants import MAX_BYTES
from lms.openapi import obj, operation, ref

bp = api_blueprint("live_attendance_api", __name__)

STRINGS = {"type": "array", "items": {"type": "string"}}
SCHEMAS = {
    "AttendanceImport": obj(matched="integer", unmatched=STRINGS, credited="integer",
                            repeated="boolean"),
    "GroupConfirmation": obj(items={"type": "array", "items": obj(
        email="string", outcome={"enum": ["credited", "invited", "already"]})}),
}
UPLOAD = {"requestBody": {"required": True, "content": {"multipart/form-data": {
    "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}},
               "required": ["file"]}}}}}

OPENAPI = {
    "/sessions/{session_id}/attendance": {"post": operation(
        "Import a participant report (Zoom or Teams CSV, or email,minutes) in a multipart "
        "field named file (its instructors, admin); registrants with at least min_minutes "
        "have attended. The same file again changes nothing",
        returns=ref("AttendanceImport"),
        responses={200: "{matched, unmatched: [emails or guests' names], credited}",
                   400: "No file, or not a report that can be read (nothing changed)",
                   403: "Not allowed", 404: "No such session", 413: "Too large"}) | UPLOAD},
    "/sessions/{session_id}/attendance/matches": {"post": operation(
        "Match an unmatched report row to a registrant (its instructors, admin)",
        body=obj(key={"type": "string", "minLength": 1}, registration_id="integer"),
        returns=obj(credited="boolean"),
        responses={200: "{credited}: whether the registrant now has attended",
                   403: "Not allowed", 404: "No such session",
                   422: "Unknown row or registrant"})},
    "/sessions/{session_id}/group-viewers/confirm": {"post": operation(
        "Confirm which listed co-viewers attended (the registrant who listed them, after "
        "the session): each gets the certificate and credit once; one without an account "
        "is emailed an invitation to claim it",
        body=obj(emails=STRINGS), returns=ref("GroupConfirmation"),
        responses={200: "{items: [{email, outcome}]}", 404: "Not registered",
                   409: "The session has not ended or was cancelled",
                   422: "An email that is not one of the registrant's co-viewers"})},
}


@bp.post("/sessions/<int:session_id>/attendance")
def import_attendance(session_id: int):
    upload = request.files.get("file")
    data = upload.stream.read(MAX_BYTES + 1) if upload is not None else None
    result = attendance.import_attendance(require_actor(), session_id, data)
    db.session.commit()
    return {"matched": result.matched, "unmatched": result.unmatched,
            "credited": result.credited, "repeated": result.repeated}


@bp.post("/sessions/<int:session_id>/attendance/matches")
def match(session_id: int):
    data = json_body()
    registration_id = data.get("registration_id")
    credited = attendance.match_entry(
        require_actor(), session_id, str(data.get("key") or ""),
        registration_id if isinstance(registration_id, int) else None)
    db.session.commit()
    return {"credited": credited}


@bp.post("/sessions/<int:session_id>/group-viewers/confirm")
def confirm_group_viewers(session_id: int):
    confirmed = group.confirm_viewers(require_actor(), session_id, json_body().get("emails"))
    db.session.commit()
    return {"items": [{"email": c.email, "outcome": c.outcome} for c in confirmed]}
