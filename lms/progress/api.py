"""Progress JSON API: items for learners, progress reports, course progress, statements."""

from __future__ import annotations

from flask import Response, request

from lms.apikit import (
    api_blueprint,
    credential,
    defers_authentication,
    iso,
    json_body,
    listing,
    page_args,
    require_actor,
)
from lms.catalog.markdown import render_markdown
from lms.catalog.models import Enrollment, Item
from lms.errors import BadRequest
from lms.extensions import db
from lms.jsonbody import checked_text, parse_json
from lms.media.serving import MEDIA_CSP
from lms.openapi import (
    TIMESTAMP,
    file_response,
    identifier,
    listing_of,
    nullable,
    obj,
    operation,
    ref,
    text,
)
from lms.progress import overrides, service, transcripts
from lms.progress.credit import MAX_INTERVALS, MAX_SECONDS
from lms.progress.models import ItemProgress
from lms.progress.outline import CourseProgress
from lms.progress.quizinfo import quiz_settings
from lms.progress.record import statements_for
from lms.storage import content_disposition

bp = api_blueprint("progress_api", __name__)

SECONDS = {"type": "number", "minimum": 0, "maximum": MAX_SECONDS}
REPORT = {"oneOf": [
    obj(position=SECONDS | {"optional": True},
        played={"type": "array", "maxItems": MAX_INTERVALS, "description": "[start, end] "
                "seconds played since the last report; start not after end",
                "items": {"type": "array", "items": SECONDS, "minItems": 2, "maxItems": 2}},
        seek={"type": "boolean", "optional": True, "description": "The member moved the "
              "playhead on purpose; only then may the resume position move back."}),
    obj(completed={"const": True, "description": "Reading and file items"}),
]}
OVERRIDE = obj(member_id=identifier(), reason=text(500, required=True))
STATUS = {"enum": ["not_started", "in_progress", "completed"]}
NULLABLE_TEXT = nullable({"type": "string"})

SCHEMAS = {
    "LearnerItem": obj(
        id="integer", kind="string", title="string", required="boolean", position="integer",
        module_id="integer", course_id="integer", preview="boolean",
        body_html=text(optional=True), media_url=text(optional=True),
        captions_url=text(optional=True),
        duration_seconds=nullable({"type": "number"}) | {"optional": True},
        min_watch_percent=nullable({"type": "integer"}) | {"optional": True},
        captions={"type": "array", "optional": True,
                  "items": obj(language="string", label="string", url="string")},
        quiz={"type": "object", "optional": True},
        progress=obj(status=STATUS, percent="number", position=nullable({"type": "number"}),
                     completed_at=nullable(TIMESTAMP)) | {"optional": True}),
    "ReportResult": obj(item_id="integer", percent="number", completed="boolean",
                        position=nullable({"type": "number"}), course_completed="boolean"),
    "CourseProgress": obj(
        course_id="integer", percent="number", completed_at=nullable(TIMESTAMP),
        items={"type": "array", "items": obj(
            id="integer", title="string", kind="string", required="boolean", status=STATUS,
            percent="number", locked="boolean", lock_reason=NULLABLE_TEXT, set_by=NULLABLE_TEXT,
            set_reason=NULLABLE_TEXT)},
        modules={"type": "array", "items": obj(id="integer", title="string", status="string",
                                               locked="boolean", lock_reason=NULLABLE_TEXT)},
        whats_left={"type": "array"},
        resume=nullable(obj(item_id="integer", position=nullable({"type": "number"})))),
}


OPENAPI = {
    "/items/{item_id}": {
        "get": operation("An item for a learner (a member's first GET starts its clock)",
                         returns=ref("LearnerItem"),
                         responses={200: "Item", 403: "Not enrolled",
                                    409: "Locked: earlier items come first"}),
    },
    "/items/{item_id}/transcript.txt": {
        "get": operation(
            "A video's transcript as a plain-text file: the supplied one, else one line per "
            "caption cue",
            responses={200: file_response("text/plain", "The transcript (an attachment)"),
                       403: "Not enrolled",
                       404: "No such item, or nothing to make a transcript from"}),
    },
    "/items/{item_id}/progress": {
        "post": operation(
            "Report progress: video {position, played, seek?}; reading/file {completed: true}. "
            "Cookie-authenticated clients send X-CSRFToken, or (sendBeacon) a form body with "
            "csrf_token and report (the JSON)", body=REPORT, returns=ref("ReportResult"),
            responses={200: "{percent, completed, position}", 403: "Not enrolled or preview",
                       409: "Read-only enrolment, locked item or unknown duration",
                       422: "Invalid report, or one for another kind of item"}),
    },
    "/items/{item_id}/runtime": {
        "get": operation(
            "The SCORM runtime data a package item starts from: the learner and, when they "
            "return, where they left off (lesson location or location, status, suspend data)",
            returns=obj(standard={"enum": ["scorm12", "scorm2004"]}, cmi={"type": "object"}),
            responses={200: "Runtime data", 403: "Not enrolled or preview",
                       409: "Read-only enrolment or locked item",
                       422: "Not a SCORM package item"}),
        "post": operation(
            "Commit a SCORM package's runtime data ({cmi: {...}}, as scorm-again sends it; "
            "at most 256 KiB). SCORM 1.2 lesson_status passed/completed (reaching the "
            "mastery score, if any) or SCORM 2004 completion_status completed / "
            "success_status passed completes the item; failed never does",
            body=obj(cmi={"type": "object"}), returns=obj(
                result={"const": True}, errorCode={"const": 0}, item_id="integer",
                completed="boolean", course_completed="boolean"),
            responses={200: "Kept; result true for the runtime", 403: "Not enrolled or preview",
                       409: "Read-only enrolment or locked item",
                       413: "Runtime data too large",
                       422: "Not a SCORM package item, or no cmi object"}),
    },
    "/items/{item_id}/cmi5-launch": {
        "post": operation(
            "Launch a cmi5 package item: the AU is opened with these as query parameters "
            "(endpoint: this launch's xAPI endpoint; fetch: its one-use token URL; both on "
            "the package content origin, LMS_PACKAGE_BASE_URL)",
            returns=obj(endpoint="string", fetch="string", actor={"type": "object"},
                        registration="string", activityId="string"),
            responses={201: "Launch parameters", 403: "Not enrolled or preview",
                       404: "Not a cmi5 package item",
                       409: "Read-only enrolment, locked item, or no package content origin"}),
    },
    "/items/{item_id}/completion": {
        "post": operation("Staff mark an item complete for a member, with a reason",
                          body=OVERRIDE, returns=obj(item_id="integer", member_id="integer",
                                                     completed="boolean",
                                                     course_completed="boolean"),
                          responses={200: "Item progress", 403: "Not admin",
                                     404: "No such member or item", 409: "Not enrolled",
                                     422: "No reason"}),
    },
    "/courses/{course_id}/progress": {
        "get": operation("Your progress in a course: percent, items, what's left, resume point",
                         returns=ref("CourseProgress"),
                         responses={200: "Course progress", 403: "Not enrolled"}),
    },
    "/courses/{course_id}/completion": {
        "post": operation("Staff mark a course complete for a member, with a reason",
                          body=OVERRIDE, returns=obj(
                              course_id="integer", member_id="integer",
                              completed_at=nullable(TIMESTAMP),
                              completed_by_id=nullable({"type": "integer"}),
                              completion_reason=NULLABLE_TEXT),
                          responses={200: "Enrolment", 403: "Not admin",
                                     404: "No such member or course",
                                     409: "Not enrolled or already complete",
                                     422: "No reason"}),
    },
    "/me/statements": {
        "get": operation("Your learning record as xAPI statements, newest first", paged=True,
                         returns=listing_of({"type": "object"}),
                         responses={200: "List of xAPI statements"}),
    },
}


def media_content_url(media_id: int) -> str:
    """The playable URL of a media asset (the media domain serves it; path fixed by API.md)."""
    return f"/api/v1/media/{media_id}/content"


def item_json(item: Item, enrollment: Enrollment | None, row: ItemProgress | None) -> dict:
    data = {"id": item.id, "kind": item.kind, "title": item.title,
            "required": item.is_required, "position": item.position,
            "module_id": item.module_id, "course_id": item.module.course_id,
            "preview": enrollment is None}
    if item.kind == "reading" or item.body:
        data["body_html"] = str(render_markdown(item.body))
    if item.kind in ("video", "file") and item.media_id is not None:
        data["media_url"] = media_content_url(item.media_id)
        data["duration_seconds"] = item.media.duration_seconds if item.media else None
    if item.kind == "video":
        data["min_watch_percent"] = item.min_watch_percent
        data["captions"] = [{"language": c.language, "label": c.label,
                             "url": media_content_url(c.media_id)} for c in item.captions]
        if item.captions:
            data["captions_url"] = data["captions"][0]["url"]
    if item.kind == "quiz":
        data["quiz"] = quiz_settings([item.id]).get(item.id, {})
    if row is not None:
        data["progress"] = {"status": row.status, "percent": row.percent,
                            "position": row.last_position, "completed_at": iso(row.completed_at)}
    return data


def progress_json(progress: CourseProgress) -> dict:
    resume = progress.resume
    return {
        "course_id": progress.course_id, "percent": progress.percent,
        "completed_at": iso(progress.completed_at),
        "items": [{"id": i.id, "title": i.title, "kind": i.kind, "required": i.is_required,
                   "status": i.status, "percent": i.percent, "locked": i.locked,
                   "lock_reason": i.lock_reason, "set_by": i.set_by, "set_reason": i.set_reason}
                  for i in progress.items],
        "modules": [{"id": m.id, "title": m.title, "status": m.status, "locked": m.locked,
                     "lock_reason": m.lock_reason} for m in progress.modules],
        "whats_left": progress.whats_left,
        "resume": {"item_id": resume.id, "position": resume.last_position} if resume else None,
    }


def report_body() -> dict:
    """JSON, or the form body ``navigator.sendBeacon`` sends (``report`` holds the JSON)."""
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        data = checked_text(parse_json(request.form.get("report", "")), "report")
        if not isinstance(data, dict):
            raise BadRequest("The report field must hold a JSON object.")
        return data
    return json_body()


@bp.get("/items/<int:item_id>")
def get_item(item_id: int):
    item, enrollment, row = service.open_item(require_actor(), item_id)
    db.session.commit()
    return item_json(item, enrollment, row)


@bp.get("/items/<int:item_id>/transcript.txt")
def transcript(item_id: int):
    name, lines = transcripts.transcript_file(require_actor(), item_id)
    response = Response(lines, mimetype="text/plain")
    response.headers["Content-Disposition"] = content_disposition(name, inline=False)
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Content-Security-Policy"] = MEDIA_CSP
    return response


@bp.post("/items/<int:item_id>/progress")
@defers_authentication(bp)
def report_progress(item_id: int):
    result = service.record_report_quickly(credential(), item_id, report_body)
    if result is None:
        result = service.record_report(require_actor(), item_id, report_body())
        db.session.commit()
    return {"item_id": result.item_id, "percent": result.percent, "completed": result.completed,
            "position": result.position, "course_completed": result.course_completed}


@bp.get("/items/<int:item_id>/runtime")
def package_runtime(item_id: int):
    standard, cmi = service.package_resume(require_actor(), item_id)
    return {"standard": standard, "cmi": cmi}


@bp.post("/items/<int:item_id>/runtime")
def commit_package_runtime(item_id: int):
    result = service.record_package_commit(require_actor(), item_id, json_body())
    db.session.commit()
    return {"result": True, "errorCode": 0, "item_id": result.item_id,
            "completed": result.completed, "course_completed": result.course_completed}


@bp.post("/items/<int:item_id>/cmi5-launch")
def cmi5_launch(item_id: int):
    launch = service.new_cmi5_launch(require_actor(), item_id)
    db.session.commit()
    return launch, 201


@bp.post("/items/<int:item_id>/completion")
def complete_item_for_member(item_id: int):
    data = json_body()
    result = overrides.override_item(require_actor(), data.get("member_id"), item_id,
                                   data.get("reason"))
    db.session.commit()
    return {"item_id": result.item_id, "member_id": data["member_id"], "completed": True,
            "course_completed": result.course_completed}


@bp.get("/courses/<int:course_id>/progress")
def course_progress(course_id: int):
    return progress_json(service.my_course_progress(require_actor(), course_id))


@bp.post("/courses/<int:course_id>/completion")
def complete_course_for_member(course_id: int):
    data = json_body()
    enrollment = overrides.override_course(require_actor(), data.get("member_id"), course_id,
                                         data.get("reason"))
    db.session.commit()
    return {"course_id": course_id, "member_id": enrollment.user_id,
            "completed_at": iso(enrollment.completed_at),
            "completed_by_id": enrollment.completed_by_id,
            "completion_reason": enrollment.completion_reason}


@bp.get("/me/statements")
def my_statements():
    page, per_page = page_args()
    statements, total = statements_for(require_actor(), page, per_page)
    return listing(statements, total, page, per_page)
