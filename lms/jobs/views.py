"""The staff page of background jobs: status, progress, errors, and a retry button."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.extensions import db
from lms.jobs import service
from lms.jobs.models import STATUSES

bp = Blueprint("jobs", __name__)

JOBS_PER_PAGE = 50

#: Lines higher domains add above the list (``register_status_line``): a callable that
#: returns one sentence of plain text about their background work, or None.
StatusLine = Callable[[], "str | None"]
_status_lines: list[StatusLine] = []


def register_status_line(line: StatusLine) -> None:
    """Show ``line()`` on the jobs page (once, however often apps are created)."""
    if line not in _status_lines:
        _status_lines.append(line)


@bp.get("/admin/jobs")
@login_required
def admin_jobs():
    status = request.args.get("status") or None
    page = max(request.args.get("page", 1, type=int), 1)
    jobs, total = service.list_jobs(current_user, status=status, page=page,
                                    per_page=JOBS_PER_PAGE)
    pages = max(1, -(-total // JOBS_PER_PAGE))
    return render_template("jobs/admin_jobs.html", jobs=[service.job_row(j) for j in jobs],
                           total=total, status=status, statuses=STATUSES, page=page,
                           pages=pages, counts=service.in_flight_counts(),
                           status_lines=[text for line in _status_lines if (text := line())])


@bp.post("/admin/jobs/<int:job_id>/retry")
@login_required
def retry_job(job_id: int):
    job = service.retry(current_user, job_id)
    db.session.commit()
    flash(f"Job {job.id} ({job.name}) is queued again.")
    return redirect(url_for("jobs.admin_jobs"))
