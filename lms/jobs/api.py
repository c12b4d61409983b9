"""Jobs JSON API: staff list background jobs and retry failed ones."""

from __future__ import annotations

from flask import request

from lms.apikit import api_blueprint, listing, page_args, require_actor
from lms.extensions import db
from lms.jobs import service
from lms.jobs.models import STATUSES
from lms.openapi import TIMESTAMP, enum_query, listing_of, nullable, obj, operation, ref

bp = api_blueprint("jobs_api", __name__)

COUNT = {"type": "integer", "minimum": 0}
SCHEMAS = {
    "Job": obj(id="integer", name="string", status={"enum": list(STATUSES)},
               attempts=COUNT, max_attempts={"type": "integer", "minimum": 1},
               enqueued_at=TIMESTAMP, started_at=nullable(TIMESTAMP),
               finished_at=nullable(TIMESTAMP), error=nullable({"type": "string"}),
               done=COUNT | {"description": "Progress: steps done out of total"},
               total=nullable(COUNT), result=nullable({"type": "object",
                                                       "description": "What the job made"}),
               can_retry={"type": "boolean", "description": "Failed, or queued long ago and "
                          "never started: staff may send it again"}),
}
JOB = ref("Job")

OPENAPI = {
    "/jobs": {
        "get": operation("Background jobs, newest first (admin)", paged=True,
                         params=[enum_query("status", [*STATUSES, ""],
                                            "queued, running, failed or done (empty: all)")],
                         returns=listing_of(JOB),
                         responses={200: "List of jobs", 403: "Not staff"}),
    },
    "/jobs/{job_id}/retry": {
        "post": operation("Run a failed job again (admin)", returns=JOB, responses={
            200: "The job, queued again", 403: "Not staff", 409: "The job has not failed"}),
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
