"""Certificates JSON API: verification, my certificates, transcript, revoke, back-issue,
retakes."""

from __future__ import annotations

from flask import Response, current_app, request

from lms.apikit import api_blueprint, iso, json_body, require_actor
from lms.certificates import backissue, lifecycle, retake, service, verification
from lms.certificates.models import REVOKE_CATEGORIES
from lms.errors import ValidationError
from lms.extensions import db, limiter, utcnow
from lms.jobs.service import job_row
from lms.openapi import (
    DATE,
    TIMESTAMP,
    alternatives,
    date_query,
    file_response,
    items_of,
    json_response,
    nullable,
    obj,
    operation,
    query,
    ref,
    text,
)

bp = api_blueprint("certificates_api", __name__)
#: The checks a failed verification names.
CHECKS = ("format", "algorithm", "key", "signature", "issuer", "dates", "expired", "status",
          "revoked")

PERIOD = [date_query("from", "First completion date, YYYY-MM-DD (not after to)"),
          date_query("to", "Last completion date, YYYY-MM-DD")]
VERIFICATION = ref("Verification")
NULLABLE_TEXT = nullable({"type": "string"})
BACK_ISSUE = obj(course_id="integer", dry_run="boolean", count={"type": "integer", "minimum": 0},
                 job={"anyOf": [ref("Job"), {"type": "null"}], "optional": True,
                      "description": "Only when not a dry run: null when nobody was missing one"})
BACK_ISSUE_STARTED = obj(course_id="integer", dry_run={"const": False},
                         count={"type": "integer", "minimum": 1}, job=ref("Job"))

SCHEMAS = {
    "Verification": obj(code="string", valid="boolean", revoked="boolean", expired="boolean",
                        name="string", course_title="string", ce_hours="number",
                        issued_at=TIMESTAMP, completed_on=DATE, expires_on=nullable(DATE),
                        revoked_at=nullable(TIMESTAMP), revoke_category=NULLABLE_TEXT),
    "CertificateRow": obj(code="string", course_id="integer", course_title="string",
                          ce_hours="number", issued_at=TIMESTAMP, completed_on=DATE,
                          expires_on=nullable(DATE), revoked="boolean", pdf_url="string",
                          verify_url="string", credential_url="string", linkedin_url="string",
                          edition={"type": "integer", "minimum": 1}),
    "Retake": obj(course_id="integer", edition={"type": "integer", "minimum": 2}),
    "CredentialCheck": obj(
        verified="boolean", revoked="boolean", expired="boolean", issuer=NULLABLE_TEXT,
        name=NULLABLE_TEXT, achievement=NULLABLE_TEXT,
        errors={"type": "array", "items": obj(
            check={"type": "string", "enum": list(CHECKS)}, detail="string")}),
}

OPENAPI = {
    "/verify/{code}": {
        "get": operation("Verify a certificate (public, rate-limited)", auth=False,
                         limited=True, returns=VERIFICATION,
                         responses={200: "{code, valid, revoked, expired, name, course_title, "
                                         "ce_hours, issued_at, ...}", 404: "Unknown code"}),
    },
    "/me/certificates": {
        "get": operation("My certificates", returns=items_of(ref("CertificateRow")), responses={
            200: "{items: [{code, course_id, course_title, ce_hours, issued_at, pdf_url, "
                 "verify_url}], total}"}),
    },
    "/credentials/verify": {
        "post": operation("Verify a signed credential (VC-JWT): signature, key, issuer, dates "
                          "and revocation status (public, rate-limited)", auth=False,
                          limited=True, body=obj(credential={
                              "description": "The VC-JWT (compact JWS) as downloaded from "
                                             "/credentials/{code}.jwt"}),
                          returns=ref("CredentialCheck"),
                          responses={200: "{verified, revoked, expired, issuer, name, "
                                          "achievement, errors: [{check, detail}]}; a "
                                          "tampered, foreign or malformed credential is "
                                          "verified: false, with the reasons",
                                     422: "No credential field"}),
    },
    "/me/transcript.pdf": {
        "get": operation("My CE transcript as PDF (format=csv for CSV)",
                         params=[*PERIOD, query("format", description="csv gives CSV; "
                                                                      "anything else PDF")],
                         responses={200: alternatives("The transcript (a download)",
                                                      "application/pdf", "text/csv"),
                                    400: "Bad dates, or from after to"}),
    },
    "/me/transcript.csv": {
        "get": operation("My CE transcript as CSV", params=PERIOD,
                         responses={200: file_response("text/csv", "The transcript"),
                                    400: "Bad dates, or from after to"}),
    },
    "/certificates/{code}/revoke": {
        "post": operation("Revoke a certificate (admin)",
                          body=obj(reason=text(2000, required=True),
                                   category={"type": ["string", "null"], "optional": True,
                                             "enum": [*REVOKE_CATEGORIES, "", None],
                                             "description": "Shown publicly; default other"}),
                          returns=VERIFICATION,
                          responses={200: "The verification, now revoked", 403: "Not admin",
                                     409: "Already revoked", 422: "No reason or category"}),
    },
    "/courses/{course_id}/retake": {
        "post": operation("Retake a course whose certificate has expired or is within its "
                          "renewal window: progress starts afresh as a new edition",
                          returns=ref("Retake"),
                          responses={201: "{course_id, edition}", 404: "No such course",
                                     409: "Not allowed now (the detail says why and when)"}),
    },
    "/courses/{course_id}/certificates/back-issue": {
        "post": operation("Back-issue certificates for earlier completions (editors, admin); "
                          "dry_run (the default) only counts",
                          body=obj(dry_run="boolean?"), optional_body=True,
                          returns=BACK_ISSUE,
                          responses={200: "{course_id, dry_run, count} (a dry run, or nobody "
                                          "is missing a certificate)",
                                     202: json_response("{course_id, dry_run, count, job}: a "
                                                        "job issues them", BACK_ISSUE_STARTED),
                                     403: "Not allowed"})
        | {"requestBody": {"required": False, "content": {
            "application/json": {"schema": obj(dry_run="boolean?")}}}},
    },
}


def credential_verify_limit() -> str:
    return current_app.config.get("CREDENTIAL_VERIFY_LIMIT", "120/minute")


def verify_limit() -> str:
    return current_app.config.get("CERTIFICATE_VERIFY_LIMIT", "60/minute")


def verification_json(code: str) -> dict:
    facts = service.verify(code, utcnow().date())
    return {"code": facts.code, "valid": facts.valid, "revoked": facts.revoked,
            "expired": facts.expired, "name": facts.name, "course_title": facts.course_title,
            "ce_hours": float(facts.ce_hours), "issued_at": iso(facts.issued_at),
            "completed_on": facts.completed_on.isoformat(),
            "expires_on": facts.expires_on.isoformat() if facts.expires_on else None,
            "revoked_at": iso(facts.revoked_at), "revoke_category": facts.revoke_category}


@bp.get("/verify/<code>")
@limiter.shared_limit(verify_limit, scope="certificate-verify")
def verify(code: str):
    return verification_json(code)


@bp.post("/credentials/verify")
@limiter.shared_limit(credential_verify_limit, scope="credential-verify")
def verify_credential():
    data = json_body()
    if "credential" not in data:
        raise ValidationError("Send the credential to check.",
                              errors={"credential": ["Give the VC-JWT (the .jwt file's text)."]})
    return verification.verify(data["credential"], utcnow()).as_json()


@bp.get("/me/certificates")
def my_certificates():
    certificates = service.my_certificates(require_actor())
    return {"items": [service.certificate_json(cert) for cert in certificates],
            "total": len(certificates)}


def _transcript(kind: str) -> Response:
    actor = require_actor()
    period = service.parse_period(request.args.get("from"), request.args.get("to"))
    if kind == "csv":
        return Response(service.transcript_csv(actor, period), mimetype="text/csv", headers={
            "Content-Disposition": 'attachment; filename="ce-transcript.csv"'})
    return Response(service.transcript_pdf(actor, period), mimetype="application/pdf", headers={
        "Content-Disposition": 'attachment; filename="ce-transcript.pdf"'})


@bp.get("/me/transcript.pdf")
def transcript_pdf():
    return _transcript("csv" if request.args.get("format") == "csv" else "pdf")


@bp.get("/me/transcript.csv")
def transcript_csv():
    return _transcript("csv")


@bp.post("/certificates/<code>/revoke")
def revoke(code: str):
    data = json_body()
    cert = lifecycle.revoke(require_actor(), code, data.get("reason"), data.get("category"))
    db.session.commit()
    return verification_json(cert.code)


@bp.post("/courses/<int:course_id>/retake")
def start_retake(course_id: int):
    course, edition = retake.start_retake(require_actor(), course_id)
    db.session.commit()
    return {"course_id": course.id, "edition": edition}, 201


@bp.post("/courses/<int:course_id>/certificates/back-issue")
def back_issue(course_id: int):
    data = json_body(optional=True)
    dry_run = data.get("dry_run", True)
    if not isinstance(dry_run, bool):
        raise ValidationError("dry_run is true or false.",
                              errors={"dry_run": ["Must be true or false."]})
    if dry_run:
        count = backissue.back_issue(require_actor(), course_id, dry_run=True)
        return {"course_id": course_id, "dry_run": True, "count": count}
    count, job = backissue.start_back_issue(require_actor(), course_id)
    db.session.commit()
    answer = {"course_id": course_id, "dry_run": False, "count": count,
              "job": job_row(job) if job is not None else None}
    return answer, 202 if job is not None else 200
