"""Report pages: staff completions report and course list, and each course's member report.

Sorting and paging are plain links with query parameters, so the tables work
without JavaScript; every page is a GET that writes nothing.
"""

from __future__ import annotations

import math

from flask import Blueprint, render_template, request
from flask_login import login_required

from lms.errors import ValidationError
from lms.extensions import utcnow
from lms.reports import completions, exports, service
from lms.reports.completions import GROUPS, MIN_GROUP
from lms.web import me

bp = Blueprint("reports", __name__, url_prefix="/reports")

PER_PAGE = 50
COURSES_PER_PAGE = 25
COLUMNS = (("name", "Member"), ("enrolled_at", "Enrolled"), ("percent", "Progress"),
           ("completed_at", "Completed"), ("best_score", "Best quiz score"))


def page_number() -> int:
    """The ``page`` query value; anything that is not a positive whole number means 1."""
    raw = request.args.get("page", "1")
    return max(1, int(raw)) if raw.isdigit() else 1


def sort_choice() -> tuple[str, bool]:
    """``sort``/``dir`` from the query; unknown values fall back to name, ascending."""
    sort = request.args.get("sort", "name")
    return (sort if sort in service.SORT_KEYS else "name"), request.args.get("dir") == "desc"


def completion_args() -> dict:
    return {"raw_from": request.args.get("from"), "raw_to": request.args.get("to"),
            "group": request.args.get("group", "month")}


def build_completions(actor, raw_from: str | None, raw_to: str | None, group: str):
    start, end = completions.parse_range(raw_from, raw_to, utcnow().date())
    return completions.completions_report(actor, start=start, end=end, group=group)


def form_values(report: completions.CompletionReport | None, args: dict) -> dict[str, str]:
    """What the date fields show: the range used, or what was typed when it was refused."""
    if report is not None:
        return {"from": report.start.isoformat(), "to": report.end.isoformat()}
    return {"from": args["raw_from"] or "", "to": args["raw_to"] or ""}


@bp.get("")
@login_required
def index():
    actor = completions.require_staff(me())
    args = completion_args()
    report, errors = None, {}
    try:
        report = build_completions(actor, **args)
    except ValidationError as exc:
        errors = exc.errors
    page = page_number()
    courses, total = service.course_index(actor, page=page, per_page=COURSES_PER_PAGE)
    return render_template(
        "reports/index.html", report=report, errors=errors, args=args, groups=GROUPS,
        values=form_values(report, args),
        min_group=MIN_GROUP, courses=courses, page=page,
        pages=max(1, math.ceil(total / COURSES_PER_PAGE)), course_total=total,
    ), (422 if errors else 200)


@bp.get("/completions.csv")
@login_required
def completions_csv():
    actor = completions.require_staff(me())
    return exports.completions_csv(build_completions(actor, **completion_args()))


@bp.get("/courses/<int:course_id>")
@login_required
def course(course_id: int):
    sort, descending = sort_choice()
    report = service.course_report(me(), course_id, sort=sort, descending=descending,
                                   page=page_number(), per_page=PER_PAGE, clamp_page=True)
    return render_template("reports/course.html", report=report, rows=report.rows,
                           page=report.page, pages=max(1, math.ceil(report.total / PER_PAGE)),
                           columns=COLUMNS, direction="desc" if descending else "asc")


@bp.get("/courses/<int:course_id>.csv")
@login_required
def course_csv(course_id: int):
    sort, descending = sort_choice()
    return exports.course_report_csv(
        service.course_report(me(), course_id, sort=sort, descending=descending))
