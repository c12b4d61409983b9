"""Catalog JSON API: list and read courses, enrol."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import request

from lms.accounts.models import CAREER_STAGES
from lms.apikit import (
    actor,
    api_blueprint,
    iso,
    json_body,
    listing,
    page_args,
    require_actor,
)
from lms.catalog import access, enrolment, service
from lms.catalog.models import ACCESS, FORMATS, ITEM_KINDS, STATUSES
from lms.catalog.service import MAX_QUERY_LENGTH, SORTS
from lms.errors import ValidationError
from lms.extensions import db
from lms.openapi import (
    DATE,
    TIMESTAMP,
    enum_query,
    listing_of,
    nullable,
    obj,
    operation,
    query,
    ref,
)

bp = api_blueprint("catalog_api", __name__)

HOURS = {"anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "maxLength": 0}]}
COURSE_FILTERS = [
    query("q", description="Words, \"phrases\", or, -word; searched in title, summary, "
          f"description and presenters (the first {MAX_QUERY_LENGTH} characters)"),
    query("topic", description="Topic slug"),
    enum_query("format", [*FORMATS, ""], "course or webinar"),
    enum_query("career_stage", [*CAREER_STAGES, ""], "Audience career stage"),
    query("ce_min", HOURS, "Fewest CE hours (empty: no limit)"),
    query("ce_max", HOURS, "Most CE hours, not below ce_min (empty: no limit)"),
    enum_query("sort", [*SORTS, ""], "Order of the list (default: relevance, then newest)"),
]

ENROL = obj(code={"type": ["string", "null"], "optional": True})
PERSON = obj(id="integer", name="string")
SUMMARY = {
    "id": "integer", "slug": "string", "title": "string", "summary": "string",
    "format": {"enum": list(FORMATS)}, "ce_hours": "number",
    "topics": {"type": "array", "items": {"type": "string"}},
    "instructors": {"type": "array", "items": PERSON},
    "recorded_on": nullable(DATE), "published_at": nullable(TIMESTAMP),
}
OUTLINE_ITEM = obj(id="integer", kind={"enum": list(ITEM_KINDS)}, title="string",
                   required="boolean", position="integer",
                   duration_seconds=nullable({"type": "number"}))
OUTLINE_MODULE = obj(id="integer", title="string", position="integer",
                     items={"type": "array", "items": OUTLINE_ITEM})
LINES = {"type": "array", "items": {"type": "string"}}
SCHEMAS = {
    "CourseSummary": obj(**SUMMARY),
    "Course": obj(**SUMMARY, status={"enum": list(STATUSES)}, access={"enum": list(ACCESS)},
                  description="string", description_html="string", outcomes=LINES,
                  presenters=LINES, audience=LINES, certificate_enabled="boolean",
                  in_order="boolean", enrol_window_days=nullable({"type": "integer"}),
                  duration_seconds=nullable({"type": "number"}),
                  enrollment=nullable(obj(enrolled_at=TIMESTAMP, completed_at=nullable(TIMESTAMP),
                                          access_ends_at=nullable(TIMESTAMP))),
                  modules={"type": "array", "items": OUTLINE_MODULE}),
    "Enrollment": obj(course_id="integer", enrolled_at=TIMESTAMP,
                      completed_at=nullable(TIMESTAMP), access_ends_at=nullable(TIMESTAMP)),
}

OPENAPI = {
    "/courses": {
        "get": operation("Search published courses", auth=False, params=COURSE_FILTERS,
                         paged=True, returns=listing_of(ref("CourseSummary")),
                         responses={200: "{items: [course summary], total, page, per_page}",
                                    422: "Invalid filter (or ce_max below ce_min)"}),
    },
    "/courses/{course_id}": {
        "get": operation("A course with its outline (drafts: its instructors and staff)",
                         auth="optional", returns=ref("Course"), responses={200: "Course"}),
    },
    "/courses/{course_id}/enrollment": {
        "post": operation("Enrol in a course (send {code} for code-access courses, or no body)",
                          body=ENROL, returns=ref("Enrollment"), optional_body=True,
                          responses={201: "Enrolled", 200: "Already enrolled",
                                     409: "Not published or code used",
                                     422: "Missing or unknown code"})
        | {"requestBody": {"required": False, "content": {
            "application/json": {"schema": ENROL}}}},
    },
}


@bp.get("/courses")
def list_courses():
    page, per_page = page_args()
    args = request.args
    courses, total = service.search_courses(
        q=args.get("q"), topic=args.get("topic"), format=args.get("format"),
        career_stage=args.get("career_stage"), ce_min=_hours(args, "ce_min"),
        ce_max=_hours(args, "ce_max"), sort=args.get("sort"), page=page, per_page=per_page)
    return listing([summary_json(c) for c in courses], total, page, per_page)


def _hours(args, name: str) -> Decimal | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise ValidationError("Some search options are not valid.",
                              errors={name: ["Give a number of hours, e.g. 1.5."]})
    return value


@bp.get("/courses/<int:course_id>")
def get_course(course_id: int):
    return detail_json(service.get_course_detail(actor(), course_id))


@bp.post("/courses/<int:course_id>/enrollment")
def enrol(course_id: int):
    user = require_actor()
    body = json_body(optional=True)
    code = body.get("code")
    if code is not None and not isinstance(code, str):
        raise ValidationError("The code must be text.", errors={"code": ["Must be text."]})
    course = access.get_visible_course(user, course_id)
    enrollment, created = enrolment.enrol(user, course, code)
    db.session.commit()
    return enrollment_json(enrollment), 201 if created else 200


def summary_json(summary: service.CourseSummary) -> dict[str, Any]:
    return {
        "id": summary.id, "slug": summary.slug, "title": summary.title,
        "summary": summary.summary, "format": summary.format,
        "ce_hours": float(summary.ce_hours), "topics": [t.slug for t in summary.topics],
        "instructors": [{"id": p.id, "name": p.name} for p in summary.instructors],
        "recorded_on": summary.recorded_on.isoformat() if summary.recorded_on else None,
        "published_at": iso(summary.published_at),
    }


def detail_json(detail: service.CourseDetail) -> dict[str, Any]:
    state = detail.enrollment
    return summary_json(detail.summary) | {
        "status": detail.status, "access": detail.access, "description": detail.description,
        "description_html": str(detail.description_html), "outcomes": list(detail.outcomes),
        "presenters": list(detail.presenters), "audience": list(detail.audience),
        "certificate_enabled": detail.certificate_enabled, "in_order": detail.in_order,
        "enrol_window_days": detail.enrol_window_days,
        "duration_seconds": detail.duration_seconds,
        "enrollment": state and {"enrolled_at": iso(state.enrolled_at),
                                 "completed_at": iso(state.completed_at),
                                 "access_ends_at": iso(state.access_ends_at)},
        "modules": [{"id": m.id, "title": m.title, "position": m.position, "items": [
            {"id": i.id, "kind": i.kind, "title": i.title, "required": i.required,
             "position": i.position, "duration_seconds": i.duration_seconds}
            for i in m.items]} for m in detail.modules],
    }


def enrollment_json(enrollment) -> dict[str, Any]:
    return {"course_id": enrollment.course_id, "enrolled_at": iso(enrollment.enrolled_at),
            "completed_at": iso(enrollment.completed_at),
            "access_ends_at": iso(enrollment.access_ends_at)}
