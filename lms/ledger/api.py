"""Ledger JSON API: credit types, my credits, review, cycles, a member's credits, the
evidence pack."""

from __future__ import annotations

from flask import Response, redirect, request
from werkzeug.wsgi import wrap_file

from lms import memo
from lms.apikit import api_blueprint, iso, json_body, listing, page_args, require_actor
from lms.errors import BadRequest
from lms.extensions import db
from lms.jobs.service import job_row
from lms.ledger import evidence, external, service, types
from lms.ledger.models import SOURCES, STATUSES
from lms.media.api import media_json
from lms.media.service import upload_evidence
from lms.openapi import (
    DATE,
    TIMESTAMP,
    date_query,
    file_response,
    identifier,
    items_of,
    json_response,
    listing_of,
    nullable,
    obj,
    operation,
    query,
    ref,
    text,
)
from lms.openapi import (
    redirect as redirect_response,
)
from lms.storage import content_disposition

bp = api_blueprint("ledger_api", __name__)

AMOUNT = {"type": "number", "exclusiveMinimum": 0}
TOTALS = {"type": "object", "additionalProperties": {"type": "number"},
          "description": "Approved amount by credit type slug"}
FILTERS = [date_query("from", "First earned_on date, YYYY-MM-DD"),
           date_query("to", "Last earned_on date, YYYY-MM-DD"),
           query("credit_type", description="A credit type slug")]
CYCLE_BODY = obj(credit_type="string", required_amount={"type": ["number", "string"]},
                 starts_on=DATE, ends_on=DATE) | {"examples": [{
                     "credit_type": "ce-hours", "required_amount": 60,
                     "starts_on": "2026-01-01", "ends_on": "2028-12-31"}]}

SCHEMAS = {
    "CreditType": obj(slug="string", name="string", unit="string"),
    "Credit": obj(id="integer", source={"enum": list(SOURCES)}, title="string",
                  provider="string", credit_type="string", amount="number", earned_on=DATE,
                  status={"enum": list(STATUSES)},
                  certificate_code=nullable({"type": "string"}),
                  evidence_media_id=nullable({"type": "integer"}), review_note="string",
                  updated_at=TIMESTAMP),
    "Cycle": obj(credit_type="string", required_amount="number", starts_on=DATE, ends_on=DATE,
                 earned="number", remaining="number", on_track="boolean",
                 expected="number", today=DATE),
}
CREDIT = ref("Credit")
PACK_JOB = obj(job=ref("Job"))

OPENAPI = {
    "/credit-types": {"get": operation(
        "Credit types (ce-hours always exists)", auth=False,
        returns=items_of(ref("CreditType")), responses={200: "{items: [{slug, name, unit}]}"})},
    "/me/credits": {
        "get": operation("My CE credits with approved totals", params=FILTERS,
                         returns=items_of(CREDIT, totals=TOTALS),
                         responses={200: "{items, total, totals}",
                                    400: "Bad dates, or from after to"}),
        "post": operation("Report a credit earned elsewhere (pending until staff review it); "
                          "amount more than 0 and at most 100, earned_on not after the "
                          "member's local today",
                          body=obj(title=text(200, required=True),
                                   provider=text(200, required=True), credit_type="string",
                                   amount={"type": ["number", "string"]}, earned_on=DATE,
                                   evidence_media_id=identifier(optional=True, null=True))
                          | {"examples": [{"title": "State library association conference",
                                           "provider": "State Library Association",
                                           "credit_type": "ce-hours", "amount": 3,
                                           "earned_on": "2026-01-15"}]},
                          returns=CREDIT, creates="credit_id",
                          responses={201: "The credit, status pending"}),
    },
    "/me/credit-evidence": {"post": operation(
        "Upload evidence for a credit (a PDF, PNG or JPEG in a multipart field named file); "
        "only you and staff can read it", returns=ref("Media"),
        responses={201: "The media (use its id as evidence_media_id)",
                   400: "No file", 415: "Not a PDF or image", 413: "Too large"})
        | {"requestBody": {"required": True, "content": {"multipart/form-data": {
            "schema": {"type": "object", "properties": {
                "file": {"type": "string", "format": "binary"}}, "required": ["file"]}}}}}},
    "/credits/{credit_id}/review": {"post": operation(
        "Approve or reject a self-reported credit (admin); the member is emailed",
        body=obj(decision={"enum": ["approve", "reject"]},
                 note=nullable(text(2000)) | {"optional": True}),
        returns=CREDIT, responses={200: "The credit", 403: "Not admin",
                                   409: "Not a self-reported credit"})},
    "/me/cycle": {"put": operation(
        "Set my renewal cycle", body=CYCLE_BODY, returns=ref("Cycle"),
        responses={200: "The cycle with earned, remaining and on_track"})},
    "/members/{member_id}/credits": {"get": operation(
        "A member's credits (admin), for the membership system", paged=True,
        params=[*FILTERS, query("updated_since", {"type": "string"},
                                "ISO 8601 timestamp with zone: entries changed after it, "
                                "revoked ones included (oldest change first)")],
        returns=listing_of(CREDIT, totals=TOTALS),
        responses={200: "{items, total, page, per_page, totals}", 403: "Not admin",
                   400: "Bad dates or updated_since"})},
    "/courses/{course_id}/evidence-pack.zip": {"get": operation(
        "The course's evidence pack for accreditors (its instructors, admin); a large "
        "course's pack is built by a job first (POST …/evidence-pack)",
        responses={200: file_response("application/zip", "The ZIP"),
                   202: json_response("{job}: still being built; ask again", PACK_JOB),
                   302: redirect_response("The stored ZIP (S3)"),
                   403: "Not allowed",
                   409: "A large course whose pack was never built: POST to build it"})},
    "/courses/{course_id}/evidence-pack": {"post": operation(
        "Build the course's evidence pack as a job (its instructors, admin)",
        returns=PACK_JOB, responses={202: "{job}: GET …/evidence-pack.zip once it is done",
                                     403: "Not allowed"})},
}


def credit_json(entry: service.Entry) -> dict:
    return {"id": entry.id, "source": entry.source, "title": entry.title,
            "provider": entry.provider, "credit_type": entry.credit_type,
            "amount": float(entry.amount), "earned_on": entry.earned_on.isoformat(),
            "status": entry.status, "certificate_code": entry.certificate_code,
            "evidence_media_id": entry.evidence_media_id, "review_note": entry.review_note,
            "updated_at": iso(entry.updated_at)}


def _one(credit) -> dict:
    return credit_json(service.entry(credit.id))


def _totals(values: dict) -> dict:
    return {slug: float(amount) for slug, amount in values.items()}


@bp.get("/credit-types")
def credit_types():
    found = types.credit_types()
    return {"items": [{"slug": t.slug, "name": t.name, "unit": t.unit} for t in found],
            "total": len(found)}


@bp.get("/me/credits")
def my_credits():
    user = require_actor()
    filters = service.parse_filters(request.args.get("from"), request.args.get("to"),
                                    request.args.get("credit_type"))
    if filters == service.Filters():  # the common request: kept under the member's revision
        return _mine.get(user.id, service.ledger_stamp(user)[:2],
                         lambda: _credits_body(service.my_credits(user, filters)))
    return _credits_body(service.my_credits(user, filters))


#: Unfiltered ``/me/credits`` bodies by member id, kept under their ``ledger_revision``.
_mine: memo.StampedCache[dict] = memo.StampedCache()


def _credits_body(entries: list[service.Entry]) -> dict:
    return {"items": [credit_json(e) for e in entries], "total": len(entries),
            "totals": _totals(service.totals(entries))}


@bp.post("/me/credits")
def add_credit():
    credit = external.add_external(require_actor(), json_body())
    db.session.commit()
    return _one(credit), 201


@bp.post("/me/credit-evidence")
def upload_credit_evidence():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadRequest("Send the file in a multipart/form-data field named file.",
                         errors={"file": ["Required."]})
    asset = upload_evidence(require_actor(), upload.filename, upload.mimetype, upload.stream)
    db.session.commit()
    return media_json(asset), 201


@bp.post("/credits/<int:credit_id>/review")
def review(credit_id: int):
    data = json_body()
    credit = external.review(require_actor(), credit_id, data.get("decision"), data.get("note"))
    db.session.commit()
    return _one(credit)


@bp.put("/me/cycle")
def set_cycle():
    user = require_actor()
    cycle = service.set_cycle(user, json_body())
    db.session.commit()
    view = service.cycle_view(user)
    assert view is not None
    return {"credit_type": view.credit_type,
            "required_amount": float(cycle.required_amount),
            "starts_on": cycle.starts_on.isoformat(), "ends_on": cycle.ends_on.isoformat(),
            "earned": float(view.status.earned), "remaining": float(view.status.remaining),
            "on_track": view.status.on_track, "expected": float(view.status.expected),
            "today": view.today.isoformat()}


@bp.get("/members/<int:member_id>/credits")
def member_credits(member_id: int):
    page, per_page = page_args()
    filters = service.parse_filters(request.args.get("from"), request.args.get("to"),
                                    request.args.get("credit_type"),
                                    request.args.get("updated_since"))
    entries, total, approved = service.member_credits(require_actor(), member_id, filters,
                                                      page=page, per_page=per_page)
    return listing([credit_json(e) for e in entries], total, page, per_page) | {
        "totals": _totals(approved)}


@bp.get("/courses/<int:course_id>/evidence-pack.zip")
def evidence_pack(course_id: int):
    pack = evidence.get_pack(require_actor(), course_id)
    if pack.job is not None:
        return {"job": job_row(pack.job)}, 202
    if pack.url:
        return redirect(pack.url, 302)
    headers = {"Content-Disposition": content_disposition(pack.name, inline=False,
                                                          content_type=evidence.ZIP_TYPE),
               "Cache-Control": "private, no-store"}
    return Response(wrap_file(request.environ, pack.stream), mimetype=evidence.ZIP_TYPE,
                    headers=headers, direct_passthrough=True)


@bp.post("/courses/<int:course_id>/evidence-pack")
def build_evidence_pack(course_id: int):
    job = evidence.start_pack(require_actor(), course_id)
    db.session.commit()
    return {"job": job_row(job)}, 202
