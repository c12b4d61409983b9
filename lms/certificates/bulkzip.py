"""Every certificate of a course in one ZIP, built by a job and kept in the store.

Staff ask for a ZIP (:func:`start_course_zip`); a job writes every stored PDF
and a manifest into a temporary file, saves it under a fresh key and records
``{"key", "name", "size", "files"}`` as its result. The staff page then offers it for
download (:func:`zip_download`). One ZIP per course is kept: building a new one
deletes the ZIPs of that course built before, so the store holds no stale copies.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, BinaryIO

from sqlalchemy import select

from lms import jobs
from lms.accounts.models import User
from lms.catalog.models import Course
from lms.certificates.lifecycle import require_admin
from lms.certificates.models import Certificate
from lms.certificates.service import safe_cell
from lms.errors import NotFound, Unavailable
from lms.extensions import db
from lms.jobs.models import Job
from lms.storage import ObjectNotFound, StorageError, get_storage, new_key
from lms.units import plain_number

ZIP_JOB = "certificates.course_zip"
ZIP_TYPE = "application/zip"
#: How many PDFs go into the ZIP between two progress reports.
REPORT_EVERY = 25


def start_course_zip(actor: User | None, course_id: int) -> Job:
    """Queue a ZIP of the course's certificates; one already queued or running is reused.

    Raises Forbidden (not staff), NotFound (no course).
    """
    require_admin(actor, "download certificates in bulk")
    course = _course(course_id)
    current = course_zip_job(course.id)
    if current is not None and current.status in ("queued", "running"):
        return current
    return jobs.enqueue(ZIP_JOB, actor_id=actor.id, course_id=course.id, acting_id=actor.id)


def course_zip_job(course_id: int) -> Job | None:
    """The newest ZIP job of the course (its progress, or the ZIP it made)."""
    return jobs.latest_job(ZIP_JOB, course_id=course_id)


@dataclass
class StoredZip:
    """Where to fetch a ZIP: a presigned URL of the store (S3), else an open stream."""

    name: str
    size: int
    url: str | None = None
    stream: BinaryIO | None = None


def zip_download(actor: User | None, job_id: int) -> StoredZip:
    """The stored ZIP a finished job made.

    Raises Forbidden (not staff), NotFound (no such ZIP, not finished, or
    replaced by a newer one), Unavailable (the store does not answer).
    """
    require_admin(actor, "download certificates in bulk")
    job = db.session.get(Job, job_id)
    result = job.result if job is not None and job.name == ZIP_JOB else None
    if job is None or job.status != "done" or not result or result.get("deleted"):
        raise NotFound("No such ZIP: it is not ready yet or was replaced by a newer one.")
    stored = StoredZip(result["name"], result["size"])
    storage = get_storage()
    try:
        stored.url = storage.download_url(result["key"], stored.name, ZIP_TYPE, inline=False)
        if stored.url is None:
            stored.stream = storage.open(result["key"])
    except ObjectNotFound as exc:
        raise NotFound("This ZIP is no longer stored; build a new one.") from exc
    except StorageError as exc:
        raise Unavailable("The ZIP cannot be downloaded right now. Try again soon.") from exc
    return stored


@jobs.task(ZIP_JOB, max_attempts=5)
def build_course_zip(course_id: int, acting_id: int) -> None:
    """The job: write the ZIP, store it, record it, then delete the course's older ZIPs.

    The key is recorded before the ZIP is stored, so a rerun (a worker killed
    mid-job, a store that failed) deletes what an earlier attempt may have left
    there; a rerun after the ZIP was recorded only finishes the clean-up.
    """
    require_admin(db.session.get(User, acting_id), "download certificates in bulk")
    course = _course(course_id)
    job = jobs.current_job()
    if job is None:
        raise RuntimeError("the course ZIP is built by a job: queue it with start_course_zip")
    job_id, earlier = job.id, dict(job.result or {})
    if "size" not in earlier:
        if earlier.get("key"):
            get_storage().delete(earlier["key"])
        _store_zip(course, new_key("certificate-zips"))
    _delete_older_zips(course.id, before=job_id)


def _store_zip(course: Course, key: str) -> None:
    certificates = db.session.execute(select(Certificate).where(
        Certificate.course_id == course.id).order_by(Certificate.id)).scalars().all()
    total = len(certificates)
    jobs.report_progress(0, total, result={"key": key})
    with tempfile.TemporaryFile() as spool:
        write_zip(spool, certificates,
                  lambda done: jobs.report_progress(done, total) if done % REPORT_EVERY == 0
                  else None)
        size = spool.tell()
        spool.seek(0)
        get_storage().save(key, spool, ZIP_TYPE)
    jobs.report_progress(total, total, result={
        "key": key, "name": f"certificates-{course.slug}.zip", "size": size, "files": total})


def write_zip(target: IO[bytes], certificates: list[Certificate],
              progress: Callable[[int], object] | None = None) -> None:
    """Each certificate's stored PDF (``<code>.pdf``) and ``manifest.csv`` listing all."""
    storage = get_storage()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        lines = ["code,name,completed_on,ce_hours,revoked"]
        for done, cert in enumerate(certificates, 1):
            lines.append(",".join(_csv_field(value) for value in (
                cert.code, cert.name, cert.completed_on.isoformat(), plain_number(cert.ce_hours),
                "yes" if cert.is_revoked else "no")))
            if cert.pdf_key:
                with storage.open(cert.pdf_key) as stream, \
                        archive.open(f"{cert.code}.pdf", "w") as member:
                    while chunk := stream.read(1024 * 1024):
                        member.write(chunk)
            if progress is not None:
                progress(done)
        archive.writestr("manifest.csv", "\n".join(lines) + "\n")


def _delete_older_zips(course_id: int, before: int) -> None:
    """Delete the stored ZIPs of the course's jobs older than ``before``; mark them deleted."""
    storage = get_storage()
    for job in db.session.scalars(select(Job).where(Job.name == ZIP_JOB, Job.id < before)
                                  .order_by(Job.id)):
        result = job.result or {}
        if job.arguments.get("course_id") != course_id or not result.get("key") \
                or result.get("deleted"):
            continue
        storage.delete(result["key"])
        job.result = {**result, "deleted": True}
    db.session.commit()


def _course(course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None:
        raise NotFound("No such course.")
    return course


def _csv_field(value: str) -> str:
    text = safe_cell(value)
    return f'"{text.replace(chr(34), chr(34) * 2)}"' if any(c in text for c in ',"\n') else text
