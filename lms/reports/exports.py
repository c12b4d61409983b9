"""CSV downloads of both reports, shared by the HTML pages and the API."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, stream_with_context

from lms.reports.completions import CompletionReport
from lms.reports.csvutil import csv_lines
from lms.reports.service import CourseReport
from lms.storage import content_disposition
from lms.units import plain_number

COURSE_HEADER = ("member_id", "name", "enrolled_at", "percent", "completed_at", "completed_by",
                 "best_score")
COMPLETIONS_HEADER = ("group", "key", "label", "completions", "ce_hours")


def csv_response(lines: Iterator[str], filename: str) -> Response:
    """Stream ``lines`` as a CSV attachment (never cached: reports name members)."""
    return Response(stream_with_context(lines), mimetype="text/csv", headers={
        "Content-Disposition": content_disposition(filename, inline=False,
                                                   content_type="text/csv"),
        "Cache-Control": "private, no-store"})


def course_report_csv(report: CourseReport) -> Response:
    rows = ((row.member_id, row.name, row.enrolled_at, row.percent, row.completed_at,
             row.completed_by, row.best_score) for row in report.rows)
    return csv_response(csv_lines(COURSE_HEADER, rows), f"{report.slug}-report.csv")


def completions_csv(report: CompletionReport) -> Response:
    rows = ((report.group, group.key, group.label, group.completions,
             None if group.ce_hours is None else plain_number(group.ce_hours))
            for group in [*report.groups, report.total])
    name = f"completions-by-{report.group}-{report.start}-to-{report.end}.csv"
    return csv_response(csv_lines(COMPLETIONS_HEADER, rows), name.replace("_", "-"))
