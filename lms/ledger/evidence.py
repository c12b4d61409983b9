"""The evidence pack: what an accreditor (IACET, a state library) asks of a course.

``course.json`` (facts, outcomes, hours, credits, instructors and their
expertise), ``completions.csv``, ``evaluations.csv``, ``item-analysis.csv``
(the quizzes' item analysis from ``lms.quizzes.insights``) and ``README.txt``.
A course with few enrolments gets its ZIP in the request; a larger one is built
by a job (:func:`start_pack`, POST) into the store, and the GET then hands out
the stored ZIP (or says the job is still running).
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, BinaryIO

from flask import current_app
from sqlalchemy import func, select

from lms import jobs
from lms.accounts.models import TeachApplication, User
from lms.catalog.access import can_edit
from lms.catalog.models import Course, Enrollment, Item, Module
from lms.certificates.models import Certificate
from lms.errors import Conflict, Forbidden, NotFound, Unavailable
from lms.extensions import db, utcnow
from lms.jobs.models import Job
from lms.ledger.types import course_awards
from lms.quizzes.evaluation_reports import course_evaluations
from lms.quizzes.insights import analyse, safe_cell
from lms.storage import ObjectNotFound, StorageError, get_storage, new_key
from lms.units import plain_number

PACK_JOB = "ledger.evidence_pack"
ZIP_TYPE = "application/zip"
#: Courses with more enrolments than this get their pack from a job.
INLINE_MAX = 300
COMPLETIONS_HEADER = ["member_id", "name", "email", "enrolled_at", "completed_at",
                      "certificate_code", "ce_hours"]
EVALUATIONS_HEADER = ["question", "responses", "average", "summary"]
ITEM_HEADER = ["quiz_item_id", "quiz_title", "position", "question", "kind", "answered",
               "facility", "share_correct", "discrimination", "flags"]
README = """Evidence pack: {title}
Built {built} UTC by Core Learning.

course.json         The course: title, summary, format, outcomes (one per line as a
                    list), CE hours and every credit type it awards, and its
                    instructors with the expertise they stated when applied to teach.
completions.csv     One line per member who completed the course: member id, name,
                    email, enrolled and completed (UTC), certificate code (empty when
                    none was issued or it was revoked) and CE hours.
evaluations.csv     The course evaluation summary: per question, the number of
                    responses, the average rating (rating questions) and a summary.
                    Only the header when the course has no evaluation answers yet.
item-analysis.csv   Per quiz question: graded answers, facility (mean score share),
                    share answered fully correct, discrimination (upper minus lower
                    group) and flags (too easy, too hard, low discrimination).
README.txt          This file.

CSV files are UTF-8 with a header line; cells that would start a spreadsheet
formula begin with an apostrophe.
"""


def _course_for(actor: User | None, course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None:
        raise NotFound("No such course.")
    if not can_edit(actor, course):
        raise Forbidden("Only this course's instructors and site staff can get its evidence "
                        "pack.")
    return course


def inline_max() -> int:
    return int(current_app.config.get("LEDGER_EVIDENCE_INLINE_MAX", INLINE_MAX))


@dataclass
class Pack:
    """A pack to hand out: a job still building it, a store URL, or a stream."""

    name: str
    job: Job | None = None
    url: str | None = None
    stream: BinaryIO | None = None


def get_pack(actor: User | None, course_id: int) -> Pack:
    """The course's pack: built now when small, else the one its last job stored.

    Raises NotFound, Forbidden, Conflict (large and never built: POST to build),
    Unavailable (the store does not answer).
    """
    course = _course_for(actor, course_id)
    name = f"evidence-pack-{course.slug}.zip"
    if _enrolments(course.id) <= inline_max():
        spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (the response closes it)
        write_pack(spool, course, actor)
        spool.seek(0)
        return Pack(name, stream=spool)  # type: ignore[arg-type]
    job = pack_job(course.id)
    if job is None or job.status == "failed":
        raise Conflict("This course is large: build its evidence pack first (POST "
                       f"/api/v1/courses/{course.id}/evidence-pack), then ask again.")
    if job.status != "done" or not (job.result or {}).get("key"):
        return Pack(name, job=job)
    return _stored(name, job.result["key"])


def _stored(name: str, key: str) -> Pack:
    storage = get_storage()
    try:
        url = storage.download_url(key, name, ZIP_TYPE, inline=False)
        return Pack(name, url=url) if url else Pack(name, stream=storage.open(key))
    except ObjectNotFound as exc:
        raise NotFound("This evidence pack is no longer stored; build a new one.") from exc
    except StorageError as exc:
        raise Unavailable("The evidence pack cannot be downloaded now. Try again soon.") from exc


def start_pack(actor: User | None, course_id: int) -> Job:
    """Queue a build of the pack (one already queued or running is reused)."""
    course = _course_for(actor, course_id)
    current = pack_job(course.id)
    if current is not None and current.status in ("queued", "running"):
        return current
    return jobs.enqueue(PACK_JOB, actor_id=actor.id, course_id=course.id, acting_id=actor.id)


def pack_job(course_id: int) -> Job | None:
    return jobs.latest_job(PACK_JOB, course_id=course_id)


@jobs.task(PACK_JOB, max_attempts=5)
def build_pack(course_id: int, acting_id: int) -> None:
    """The job: write the ZIP to a temporary file, store it, record its key."""
    actor = db.session.get(User, acting_id)
    course = _course_for(actor, course_id)
    key = new_key("evidence-packs")
    with tempfile.TemporaryFile() as spool:
        write_pack(spool, course, actor)
        size = spool.tell()
        spool.seek(0)
        get_storage().save(key, spool, ZIP_TYPE)
    jobs.report_progress(1, 1, result={"key": key, "size": size,
                                       "name": f"evidence-pack-{course.slug}.zip"})


# --- the files ----------------------------------------------------------------------


def write_pack(target: IO[bytes], course: Course, actor: User | None) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("course.json", json.dumps(course_facts(course), indent=2,
                                                   ensure_ascii=False))
        with archive.open("completions.csv", "w") as member:
            for line in _csv(COMPLETIONS_HEADER, completion_rows(course.id)):
                member.write(line.encode())
        archive.writestr("evaluations.csv", "".join(_csv(EVALUATIONS_HEADER,
                                                         evaluation_rows(course, actor))))
        archive.writestr("item-analysis.csv", "".join(_csv(ITEM_HEADER,
                                                           item_rows(course, actor))))
        archive.writestr("README.txt", README.format(title=course.title,
                                                     built=utcnow().strftime("%Y-%m-%d %H:%M")))


def _csv(header: list[str], rows) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def course_facts(course: Course) -> dict:
    instructors = course.instructors
    expertise = _expertise([user.id for user in instructors])
    return {
        "id": course.id, "slug": course.slug, "title": course.title, "summary": course.summary,
        "format": course.format, "ce_hours": float(course.ce_hours), "version": course.version,
        "outcomes": [line.strip(" -*\t") for line in (course.outcomes or "").splitlines()
                     if line.strip(" -*\t")],
        "credits": [{"credit_type": t.slug, "name": t.name, "unit": t.unit,
                     "amount": float(amount)} for t, amount in course_awards(course)],
        "instructors": [{"name": user.certificate_name or user.name,
                         "expertise": expertise.get(user.id, "")} for user in instructors],
        "presenters": [p.strip() for p in (course.presenters or "").splitlines() if p.strip()],
        "enrolled": _enrolments(course.id),
    }


def _expertise(user_ids: list[int]) -> dict[int, str]:
    """What each instructor wrote about their expertise (their latest approved application)."""
    found: dict[int, str] = {}
    for user_id, text in db.session.execute(
            select(TeachApplication.user_id, TeachApplication.expertise)
            .where(TeachApplication.user_id.in_(user_ids), TeachApplication.status == "approved")
            .order_by(TeachApplication.id)):
        found[user_id] = text
    return found


def _enrolments(course_id: int) -> int:
    return db.session.execute(select(func.count()).select_from(Enrollment).where(
        Enrollment.course_id == course_id)).scalar_one()


def completion_rows(course_id: int) -> Iterator[list]:
    statement = (select(User.id, User.name, User.email, Enrollment.enrolled_at,
                        Enrollment.completed_at, Certificate.code, Certificate.revoked_at,
                        Certificate.ce_hours)
                 .join(User, User.id == Enrollment.user_id)
                 .outerjoin(Certificate, (Certificate.user_id == Enrollment.user_id)
                            & (Certificate.course_id == course_id))
                 .where(Enrollment.course_id == course_id, Enrollment.completed_at.is_not(None))
                 .order_by(Enrollment.completed_at, User.id))
    for row in db.session.execute(statement):
        code = row.code if row.code and row.revoked_at is None else ""
        yield [row.id, row.name, row.email, row.enrolled_at.isoformat(),
               row.completed_at.isoformat(), code,
               plain_number(row.ce_hours) if code else ""]


def evaluation_rows(course: Course, actor: User | None) -> list[list]:
    """The course evaluation summary, one row per question, as its instructors see it
    (questions with fewer than five answers masked; comments counted, never quoted)."""
    _course, summaries = course_evaluations(actor, course.id)
    rows = []
    for summary in summaries:
        question = f"{summary.item_title}: {summary.prompt}"
        if summary.masked:
            rows.append([question, summary.responses, "", "masked: fewer than five answers"])
        elif summary.kind == "likert":
            spread = " ".join(f"{point}:{count}" for point, count in summary.distribution.items())
            rows.append([question, summary.responses, summary.mean, spread])
        else:
            rows.append([question, summary.responses, "", f"{len(summary.comments)} comments"])
    return rows


def item_rows(course: Course, actor: User | None) -> Iterator[list]:
    quiz_items = db.session.execute(
        select(Item.id, Item.title).join(Module, Module.id == Item.module_id)
        .where(Module.course_id == course.id, Item.kind == "quiz")
        .order_by(Module.position, Item.position)).all()
    for item_id, title in quiz_items:
        _quiz, reports, _count = analyse(actor, item_id)
        for report in reports:
            stats = report.stats
            yield [item_id, title, report.position, report.prompt, report.kind, stats.attempts,
                   round(stats.facility, 3), round(stats.share_correct, 3),
                   "" if stats.discrimination is None else round(stats.discrimination, 3),
                   " ".join(stats.flags)]
