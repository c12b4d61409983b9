"""Reports JSON API: a course's per-member report, and staff completion reports."""

from __future__ import annotations

from decimal import Decimal

from flask import request

from lms.apikit import api_blueprint, iso, listing, page_args, require_actor
from lms.errors import ValidationError
from lms.extensions import utcnow
from lms.openapi import (
    DATE,
    TIMESTAMP,
    date_query,
    enum_query,
    listing_of,
    nullable,
    obj,
    operation,
    ref,
)
from lms.reports import completions, exports, service
from lms.reports.completions import GROUPS, HIDDEN, CompletionReport, Group
from lms.reports.service import SORT_KEYS, MemberRow

bp = api_blueprint("reports_api", __name__)

FORMAT = enum_query("format", ["json", "csv"], "json (default) or csv (every row, streamed)")
JSON_OR_CSV = "application/json (default) or text/csv (format=csv)"
NUMBER = nullable({"type": "number"})
GROUP = obj(key=nullable({"type": "string"}), label="string",
            completions={"anyOf": [{"type": "integer", "minimum": 0}, {"const": HIDDEN}],
                         "description": f'A count, or "{HIDDEN}"'},
            ce_hours=NUMBER)
ROW = obj(member_id="integer", name="string", enrolled_at=TIMESTAMP, percent="number",
          completed_at=nullable(TIMESTAMP), completed_by=nullable({"type": "string"}),
          best_score=NUMBER)

SCHEMAS = {
    "ReportRow": ROW,
    "CourseReport": listing_of(ref("ReportRow"), course_id={"type": "integer"},
                               course_title={"type": "string"}),
    "CompletionReport": obj(group={"enum": list(GROUPS)}, **{"from": DATE}, to=DATE,
                            min_group_size="integer", groups={"type": "array", "items": GROUP},
                            total=GROUP, breakdown_withheld="boolean"),
}


def json_or_csv(description: str, schema: str) -> dict:
    return {"description": description, "content": {
        "application/json": {"schema": ref(schema)},
        "text/csv": {"schema": {"type": "string"}}}}


OPENAPI = {
    "/courses/{course_id}/report": {
        "get": operation(
            "Per-member report of a course (its instructors, admin): list of {member_id, name, "
            "enrolled_at, percent, completed_at, completed_by, best_score}; percent and "
            "completed_at are those of the member's own progress", paged=True,
            params=[enum_query("sort", SORT_KEYS, "Column to sort by (default name)"),
                    enum_query("dir", ["asc", "desc"], "asc (default) or desc"), FORMAT],
            responses={200: json_or_csv(f"Member rows: {JSON_OR_CSV}", "CourseReport"),
                       403: "Not an instructor of the course",
                       422: "Unknown sort column, direction or format"}),
    },
    "/reports/completions": {
        "get": operation(
            "Completions and CE hours by month, course, career_stage or org_type (admin); "
            "groups under 5 completions, and others where the total would give a small "
            "group away, show \"hidden\" and no hours; the total is always shown, and "
            "breakdown_withheld is true (groups empty) when no breakdown is safe",
            params=[date_query("from", "First completion date, YYYY-MM-DD (not after to)"),
                    date_query("to", "Last completion date, YYYY-MM-DD"),
                    enum_query("group", list(GROUPS), "month (default), course, career_stage, "
                                                      "org_type"), FORMAT],
            responses={200: json_or_csv(f"Groups: {JSON_OR_CSV}", "CompletionReport"),
                       403: "Not admin", 422: "Bad dates (or from after to), grouping or format"}),
    },
}


def wants_csv() -> bool:
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "csv"):
        raise ValidationError("Unknown format.", errors={"format": ["Use json or csv."]})
    return fmt == "csv"


def sort_args() -> tuple[str, bool]:
    direction = request.args.get("dir", "asc")
    if direction not in ("asc", "desc"):
        raise ValidationError("Unknown sort direction.", errors={"dir": ["Use asc or desc."]})
    return request.args.get("sort", "name"), direction == "desc"


def number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def row_json(row: MemberRow) -> dict:
    return {"member_id": row.member_id, "name": row.name, "enrolled_at": iso(row.enrolled_at),
            "percent": row.percent, "completed_at": iso(row.completed_at),
            "completed_by": row.completed_by, "best_score": number(row.best_score)}


def group_json(group: Group) -> dict:
    return {"key": group.key, "label": group.label, "completions": group.completions,
            "ce_hours": number(group.ce_hours)}


def completions_json(report: CompletionReport) -> dict:
    return {"group": report.group, "from": report.start.isoformat(),
            "to": report.end.isoformat(), "min_group_size": completions.MIN_GROUP,
            "groups": [group_json(group) for group in report.groups],
            "total": group_json(report.total), "breakdown_withheld": report.withheld}


@bp.get("/courses/<int:course_id>/report")
def course_report(course_id: int):
    csv = wants_csv()
    page, per_page = page_args()  # checked for CSV too, which has every row
    sort, descending = sort_args()
    report = service.course_report(require_actor(), course_id, sort=sort, descending=descending,
                                   page=1 if csv else page, per_page=None if csv else per_page)
    if csv:
        return exports.course_report_csv(report)
    return listing([row_json(row) for row in report.rows], report.total, page, per_page) | {
        "course_id": report.course_id, "course_title": report.title}


@bp.get("/reports/completions")
def completion_report():
    csv = wants_csv()
    actor = completions.require_staff(require_actor())
    start, end = completions.parse_range(request.args.get("from"), request.args.get("to"),
                                         utcnow().date())
    report = completions.completions_report(actor, start=start, end=end,
                                            group=request.args.get("group", "month"))
    return exports.completions_csv(report) if csv else completions_json(report)
