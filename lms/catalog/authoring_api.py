"""Authoring JSON API: courses, co-instructors, publishing, modules and items.

Reading a course (``GET /courses/{id}``) and an item (``GET /items/{id}``) belong
to the catalog and progress APIs; these are the writes.
"""

from __future__ import annotations

from typing import Any

from flask import Response

from lms.accounts.models import CAREER_STAGES, User
from lms.apikit import api_blueprint, json_body, require_actor
from lms.catalog import authoring, authoring_outline
from lms.catalog import service as catalog_service
from lms.catalog.api import detail_json
from lms.catalog.authoring_fields import COURSE_READ_ONLY, MAX_CE_HOURS, SLUG_PATTERN
from lms.catalog.models import ACCESS, FORMATS, ITEM_KINDS, Course, Item, Module
from lms.errors import ValidationError
from lms.extensions import db
from lms.openapi import identifier, integer, nullable, obj, operation, ref, text
from lms.web import MAX_DATABASE_ID

bp = api_blueprint("authoring_api", __name__)

EDITOR = {403: "Not an instructor of this course"}
OPTIONAL_ID = {"type": ["integer", "string", "null"], "pattern": "^[0-9]{0,9}$", "minimum": 0,
               "maximum": MAX_DATABASE_ID,
               "optional": True, "description": "An id; 0, empty or null for none"}
LINES = {"type": ["string", "array", "null"], "items": {"type": "string"}, "optional": True,
         "description": "One entry per line, or a list of strings"}
STRINGS = {"type": ["array", "null"], "items": {"type": "string"}, "optional": True}
COURSE_FIELDS = obj(
    closed=True, title=text(200, required=True), slug=text(
        120, pattern=SLUG_PATTERN.pattern, optional=True),
    summary=nullable(text(500)) | {"optional": True},
    description=nullable(text(100_000)) | {"optional": True},
    format={"enum": list(FORMATS), "optional": True},
    ce_hours={"type": "number", "exclusiveMinimum": 0, "maximum": float(MAX_CE_HOURS),
              "multipleOf": 0.01, "optional": True},
    topics=STRINGS, audience={"type": ["array", "null"], "items": {"enum": list(CAREER_STAGES)},
                              "optional": True},
    outcomes=LINES, presenters=LINES,
    recorded_on={"anyOf": [{"type": "string", "format": "date"}, {"enum": ["", None]}],
                 "optional": True},
    access={"enum": list(ACCESS), "optional": True},
    certificate_enabled="boolean?", in_order="boolean?", allow_downloads="boolean?",
    certificate_valid_months=integer(1, 600, optional=True, null=True),
    renewal_window_days=integer(0, 3650, optional=True),
    enrol_window_days=integer(1, 3650, optional=True, null=True),
    **{name: {"readOnly": True, "optional": True} for name in COURSE_READ_ONLY})
COURSE_PATCH = COURSE_FIELDS | {"required": []}
ITEM_FIELDS = obj(
    closed=True, kind={"enum": list(ITEM_KINDS)}, title=text(200, required=True),
    required="boolean?", body=nullable(text(200_000)) | {"optional": True},
    transcript=nullable(text(500_000)) | {"optional": True},
    media_id=OPTIONAL_ID, captions_media_id=OPTIONAL_ID, slides_media_id=OPTIONAL_ID,
    captions_language=nullable(text(20)) | {"optional": True},
    captions_label=nullable(text(60)) | {"optional": True},
    min_watch_percent=integer(1, 100, optional=True),
    recording_completes="boolean?",
    pass_percent=integer(0, 100, optional=True, null=True),
    max_attempts=integer(1, 100, optional=True, null=True),
    time_limit_seconds=integer(1, 7 * 24 * 3600, optional=True, null=True))
ITEM_PATCH = ITEM_FIELDS | {"required": [], "properties": ITEM_FIELDS["properties"] | {
    "position": integer(0, null=True), "module_id": integer(0, null=True)}}
MODULE_FIELDS = obj(closed=True, title=text(200, required=True), prerequisite_id=OPTIONAL_ID)
MODULE_PATCH = MODULE_FIELDS | {"required": [], "properties": MODULE_FIELDS["properties"] | {
    "position": integer(0, null=True)}}

SCHEMAS = {
    "AuthoredCourse": {"allOf": [ref("Course"), obj(
        version="integer", certificate_valid_months=nullable({"type": "integer"}),
        renewal_window_days="integer", allow_downloads="boolean")]},
    "Module": obj(id="integer", title="string", position="integer",
                  prerequisite_id=nullable({"type": "integer"})),
    "AuthoredItem": obj(
        id="integer", kind={"enum": list(ITEM_KINDS)}, title="string", required="boolean",
        position="integer", module_id="integer", body="string",
        transcript=nullable({"type": "string"}), media_id=nullable({"type": "integer"}),
        slides_media_id=nullable({"type": "integer"}),
        min_watch_percent=nullable({"type": "integer"}), recording_completes="boolean",
        captions={"type": "array", "items": obj(language="string", label="string",
                                                media_id="integer")}),
}
COURSE = ref("AuthoredCourse")


def _course_op(summary: str, ok: dict[int, str], **extra) -> dict:
    return operation(summary, responses=ok | EDITOR, **extra)


OPENAPI = {
    "/courses": {
        "post": operation("Create a draft course (instructor, admin)", body=COURSE_FIELDS,
                          returns=COURSE, creates="course_id",
                          responses={201: "Course (status draft; you are its instructor)",
                                     403: "Not an instructor",
                                     422: "Invalid fields or slug taken"}),
    },
    "/courses/{course_id}": {
        "patch": _course_op("Change course fields",
                            {200: "Course", 422: "Invalid fields or slug taken"},
                            body=COURSE_PATCH, returns=COURSE),
    },
    "/courses/{course_id}/publish": {
        "post": _course_op("Publish the course (bumps its version)",
                           {200: "Course", 409: "Not ready: the reasons are in errors.publish"},
                           returns=COURSE),
    },
    "/courses/{course_id}/unpublish": {
        "post": _course_op("Back to draft", {200: "Course", 409: "Not published"},
                           returns=COURSE),
    },
    "/courses/{course_id}/archive": {
        "post": _course_op("Archive the course", {200: "Course", 409: "Already archived"},
                           returns=COURSE),
    },
    "/courses/{course_id}/duplicate": {
        "post": _course_op("Copy the course as a new draft you teach", {201: "The new course"},
                           returns=COURSE, creates="course_id"),
    },
    "/courses/{course_id}/instructors": {
        "post": _course_op("Add a co-instructor", {200: "Course", 422: "No such member"},
                           body=obj(member_id=identifier()), returns=COURSE),
    },
    "/courses/{course_id}/instructors/{member_id}": {
        "delete": _course_op("Remove a co-instructor (or yourself)",
                             {204: "Removed", 409: "The last instructor stays"}),
    },
    "/courses/{course_id}/modules": {
        "post": _course_op("Add a module at the end", {201: "Module {id, title, position}",
                                                       422: "Invalid fields, or a prerequisite "
                                                            "that is no module of the course"},
                           body=MODULE_FIELDS, returns=ref("Module"), creates="module_id"),
    },
    "/modules/{module_id}": {
        "patch": _course_op("Rename, set prerequisite or move a module",
                            {200: "Module", 422: "Invalid fields, or a prerequisite that is no "
                                                 "other module of the course"}, body=MODULE_PATCH,
                            returns=ref("Module")),
        "delete": _course_op("Delete a module and its items", {204: "Deleted"}),
    },
    "/modules/{module_id}/items": {
        "post": _course_op("Add an item at the end of the module",
                           {201: "Item", 422: "Invalid fields, fields that do not fit the kind, "
                                              "or unusable media"},
                           body=ITEM_FIELDS, returns=ref("AuthoredItem"), creates="item_id"),
    },
    "/items/{item_id}": {
        "patch": _course_op("Change or move an item",
                            {200: "Item", 422: "Invalid fields, or fields that do not fit the "
                                               "kind"},
                            body=ITEM_PATCH, returns=ref("AuthoredItem")),
        "delete": _course_op("Delete an item", {204: "Deleted"}),
    },
}


def course_json(user: User, course_id: int) -> dict[str, Any]:
    """The course as the catalog's ``GET /courses/{id}`` shows it, plus authoring extras.

    Call after committing, so it shows what was saved.
    """
    course = db.session.get(Course, course_id)
    return detail_json(catalog_service.get_course_detail(user, course_id)) | {
        "version": course.version,
        "certificate_valid_months": course.certificate_valid_months,
        "renewal_window_days": course.renewal_window_days,
        "allow_downloads": course.allow_downloads,
    }


def module_json(module: Module) -> dict[str, Any]:
    return {"id": module.id, "title": module.title, "position": module.position,
            "prerequisite_id": module.prerequisite_id}


def item_summary(item: Item) -> dict[str, Any]:
    return {"id": item.id, "kind": item.kind, "title": item.title,
            "required": item.is_required, "position": item.position}


def item_json(item: Item) -> dict[str, Any]:
    return item_summary(item) | {
        "module_id": item.module_id, "body": item.body, "transcript": item.transcript,
        "media_id": item.media_id, "slides_media_id": item.slides_media_id,
        "min_watch_percent": item.min_watch_percent,
        "recording_completes": item.recording_completes,
        "captions": [{"language": c.language, "label": c.label, "media_id": c.media_id}
                     for c in item.captions],
    }


def _saved_course(user: User, course_id: int, status: int = 200) -> tuple[dict, int]:
    db.session.commit()
    return course_json(user, course_id), status


def _saved(body: dict[str, Any], status: int = 200) -> tuple[dict[str, Any], int]:
    db.session.commit()
    return body, status


@bp.post("/courses")
def create_course():
    user = require_actor()
    course = authoring.create_course(user, json_body())
    return _saved_course(user, course.id, 201)


@bp.patch("/courses/<int:course_id>")
def update_course(course_id: int):
    user = require_actor()
    authoring.update_course(user, course_id, json_body())
    return _saved_course(user, course_id)


@bp.post("/courses/<int:course_id>/publish")
def publish(course_id: int):
    user = require_actor()
    authoring.publish(user, course_id)
    return _saved_course(user, course_id)


@bp.post("/courses/<int:course_id>/unpublish")
def unpublish(course_id: int):
    user = require_actor()
    authoring.unpublish(user, course_id)
    return _saved_course(user, course_id)


@bp.post("/courses/<int:course_id>/archive")
def archive(course_id: int):
    user = require_actor()
    authoring.archive(user, course_id)
    return _saved_course(user, course_id)


@bp.post("/courses/<int:course_id>/duplicate")
def duplicate(course_id: int):
    user = require_actor()
    copy = authoring.duplicate_course(user, course_id)
    return _saved_course(user, copy.id, 201)


@bp.post("/courses/<int:course_id>/instructors")
def add_instructor(course_id: int):
    user = require_actor()
    member_id = json_body().get("member_id")
    if isinstance(member_id, bool) or not isinstance(member_id, int):
        raise ValidationError("Give member_id.", errors={"member_id": ["Give a member's id."]})
    authoring.add_instructor(user, course_id, member_id)
    return _saved_course(user, course_id)


@bp.delete("/courses/<int:course_id>/instructors/<int:member_id>")
def remove_instructor(course_id: int, member_id: int):
    authoring.remove_instructor(require_actor(), course_id, member_id)
    db.session.commit()
    return Response(status=204)


@bp.post("/courses/<int:course_id>/modules")
def add_module(course_id: int):
    user = require_actor()
    module = authoring_outline.add_module(user, course_id, json_body())
    return _saved(module_json(module), 201)


@bp.patch("/modules/<int:module_id>")
def update_module(module_id: int):
    user = require_actor()
    fields = json_body()
    position = _position(fields)
    module = authoring_outline.update_module(user, module_id, fields)
    if position is not None:
        authoring_outline.move_module(user, module_id, position=position)
    return _saved(module_json(module))


@bp.delete("/modules/<int:module_id>")
def delete_module(module_id: int):
    authoring_outline.delete_module(require_actor(), module_id)
    db.session.commit()
    return Response(status=204)


@bp.post("/modules/<int:module_id>/items")
def add_item(module_id: int):
    user = require_actor()
    item = authoring_outline.add_item(user, module_id, json_body())
    return _saved(item_json(item), 201)


@bp.patch("/items/<int:item_id>")
def update_item(item_id: int):
    user = require_actor()
    fields = json_body()
    position = _position(fields)
    target = _whole(fields.pop("module_id", None), "module_id")
    item = authoring_outline.update_item(user, item_id, fields)
    if position is not None or target not in (None, item.module_id):
        authoring_outline.move_item(user, item_id, position=position, module_id=target)
    return _saved(item_json(item))


@bp.delete("/items/<int:item_id>")
def delete_item(item_id: int):
    authoring_outline.delete_item(require_actor(), item_id)
    db.session.commit()
    return Response(status=204)


def _position(fields: dict[str, Any]) -> int | None:
    return _whole(fields.pop("position", None), "position")


def _whole(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(f"{name} must be a whole number.",
                              errors={name: ["Give a whole number (from 0)."]})
    return value
