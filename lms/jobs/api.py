"""Jobs JSON API: staff list background jobs and retry failed ones."""

from __future__ import annotations

from flask import request

from lms.apikit import api_blueprint, listing, page_args, require_actor
from lms.extensions import db
from lms.jobs import service
from lms.jobs.models import STATUSES
from lms.openapi import operation, query

bp = api_blueprint("jobs_api", __name__)

JOB = "{id, name, status, attempts, max_attempts, enqueued_at, started_at, finished_at, " \
    "error, done, total, result}"

OPENAPI = {
    "/jobs": {
        "get": operation("Background jobs, newest first (admin)", params=[
            {**query("status", description="queued, running, failed or done"),
             "schema": {"type": "string", "enum": list(STATUSES)}},
            query("page", "integer"), query("per_page", "integer")],
            responses={200: f"list of {JOB}", 400: "Bad status or page", 403: "Not staff"}),
    },
    "/jobs/{job_id}/retry": {
        "post": operation("Run a failed job again (admin)", responses={
            200: JOB, 403: "Not staff", 404: "No such job", 409: "The job has not failed"}),
    },
}


@bp.get("/jobs")
def list_jobs():
    page, per_page = page_args()
    jobs, total = service.list_jobs(require_actor(), status=request.args.get("status") or None,
                                    page=page, per_page=per_page)
    return listing([service.job_row(job) for job in jobs], total, page, per_page)


@bp.post("/jobs/<int:job_id>/retry")
def retry(job_id: int):
    job = service.retry(require_actor(), job_id)
    db.session.commit()
    return service.job_row(job)
