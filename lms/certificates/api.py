"""Certificates JSON API: verification, my certificates, transcript, revoke, back-issue."""

from __future__ import annotations

from flask import Response, current_app, request

from lms.apikit import api_blueprint, iso, json_body, require_actor
from lms.certificates import backissue, lifecycle, service
from lms.extensions import db, limiter, utcnow
from lms.jobs.service import job_row
from lms.openapi import obj, operation, query

bp = api_blueprint("certificates_api", __name__)

VERIFICATION = "{code, valid, revoked, expired, name, course_title, ce_hours, issued_at, " \
    "completed_on, expires_on, revoked_at, revoke_category}"
PERIOD = [query("from", description="First completion date, YYYY-MM-DD"),
          query("to", description="Last completion date, YYYY-MM-DD")]

OPENAPI = {
    "/verify/{code}": {
        "get": operation("Verify a certificate (public, rate-limited)", auth=False,
                         responses={200: VERIFICATION, 404: "Unknown code",
                                    429: "Too many requests"}),
    },
    "/me/certificates": {
        "get": operation("My certificates", responses={
            200: "list of {code, course_id, course_title, ce_hours, issued_at, pdf_url, "
                 "verify_url}"}),
    },
    "/me/transcript.pdf": {
        "get": operation("My CE transcript as PDF (format=csv for CSV)",
                         params=[*PERIOD, query("format", description="pdf (default) or csv")],
                         responses={200: "application/pdf or text/csv", 400: "Bad dates"}),
    },
    "/me/transcript.csv": {
        "get": operation("My CE transcript as CSV", params=PERIOD,
                         responses={200: "text/csv", 400: "Bad dates"}),
    },
    "/certificates/{code}/revoke": {
        "post": operation("Revoke a certificate (admin)",
                          body=obj(reason="string", category="string?"),
                          responses={200: VERIFICATION, 403: "Not admin", 404: "Unknown code",
                                     409: "Already revoked", 422: "No reason"}),
    },
    "/courses/{course_id}/certificates/back-issue": {
        "post": operation("Back-issue certificates for earlier completions (editors, admin)",
                          body=obj(dry_run="boolean?"),
                          responses={200: "{course_id, dry_run, count} (a dry run, or nobody "
                                          "is missing a certificate)",
                                     202: "{course_id, dry_run, count, job}: a job issues them",
                                     403: "Not allowed", 404: "No such course"}),
    },
}


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


@bp.post("/courses/<int:course_id>/certificates/back-issue")
def back_issue(course_id: int):
    data = json_body(optional=True)
    dry_run = data.get("dry_run", True) is not False
    if dry_run:
        count = backissue.back_issue(require_actor(), course_id, dry_run=True)
        return {"course_id": course_id, "dry_run": True, "count": count}
    count, job = backissue.start_back_issue(require_actor(), course_id)
    db.session.commit()
    answer = {"course_id": course_id, "dry_run": False, "count": count,
              "job": job_row(job) if job is not None else None}
    return answer, 202 if job is not None else 200
