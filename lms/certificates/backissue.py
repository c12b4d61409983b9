"""Back-issue: certificates for members who completed before certificates were enabled.

Built for hundreds or thousands at once, so the database work is batched: per
batch of members, the PDFs are rendered and stored first, then one multi-row
``INSERT … ON CONFLICT DO NOTHING RETURNING`` writes the certificates and one
more insert their first PDF versions. A member whose certificate appeared
meanwhile (a concurrent completion) is skipped and the PDF made for them is
deleted at once.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import insert, select

from lms import jobs
from lms.accounts.models import User
from lms.catalog.access import can_edit
from lms.catalog.models import Course, Enrollment
from lms.certificates import credentials
from lms.certificates import evidence as evidence_mod
from lms.certificates.issuance import (
    announce_issued,
    certificate_data,
    course_snapshot,
    insert_ignoring_duplicates,
    pdf_settings_or_none,
    queue_ready_mail,
    row_values,
)
from lms.certificates.models import Certificate, CertificateVersion
from lms.certificates.pdf import PdfSettings, render_certificate
from lms.certificates.text import load_fonts
from lms.errors import Forbidden, NotFound
from lms.extensions import db, utcnow
from lms.jobs.models import Job
from lms.storage import Storage, StorageError, get_storage, new_key
from lms.stored import track_stored

BATCH = 100
BACK_ISSUE_JOB = "certificates.back_issue"
BACK_ISSUE_PART_JOB = "certificates.back_issue_part"
#: Members a part of a large back-issue takes: parts are what several workers share.
PART = 50
#: Threads storing PDFs while the next ones render.
SAVERS = 2
log = logging.getLogger("lms.certificates")

jobs.warm_up(load_fonts)  # parsing them costs the first back-issue in a worker ~0.7 s


def missing_certificates(course_id: int) -> list[tuple[int, datetime, int]]:
    """(member id, completed at, edition) of completed enrolments without a certificate
    of their edition."""
    has_certificate = select(Certificate.id).where(
        Certificate.user_id == Enrollment.user_id, Certificate.course_id == course_id,
        Certificate.edition == Enrollment.edition).exists()
    return [tuple(row) for row in db.session.execute(
        select(Enrollment.user_id, Enrollment.completed_at, Enrollment.edition)
        .where(Enrollment.course_id == course_id, Enrollment.completed_at.is_not(None),
               ~has_certificate).order_by(Enrollment.completed_at, Enrollment.id))]


def back_issue(actor: User, course_id: int, *, dry_run: bool = True,
               now: datetime | None = None) -> int:
    """Issue certificates to members who completed before certificates were enabled,
    here and now (the command line; pages and the API queue :func:`start_back_issue`).

    ``dry_run`` only counts them. Returns the number (to be) issued. Raises
    NotFound (no course), Forbidden (not its editor or staff). Flushes only.
    """
    course, missing = _course_and_missing(actor, course_id)
    if dry_run or not missing:
        return len(missing)
    return _issue_many(course, missing, now or utcnow())


def start_back_issue(actor: User, course_id: int) -> tuple[int, Job | None]:
    """Queue the back-issue of ``course_id`` as a job: (how many are missing, the job).

    No job when nobody is missing a certificate; the one already under way, if any.
    """
    _course, missing = _course_and_missing(actor, course_id)
    if not missing:
        return 0, None
    running = back_issue_job(course_id)
    if running is not None and running.status in ("queued", "running"):
        return len(missing), running  # a second click must not render every PDF twice
    return len(missing), jobs.enqueue(BACK_ISSUE_JOB, actor_id=actor.id, course_id=course_id,
                                      acting_id=actor.id)


def back_issue_job(course_id: int) -> Job | None:
    """The newest back-issue job of the course, for its progress."""
    return jobs.latest_job(BACK_ISSUE_JOB, course_id=course_id)


@jobs.task(BACK_ISSUE_JOB, max_attempts=5, heavy=True)
def run_back_issue(course_id: int, acting_id: int) -> str | None:
    """The job: a small back-issue runs here; a large one is split into parts (jobs of
    :data:`PART` members) that any worker may take, and is done when they all are."""
    course, missing = _course_and_missing(_acting(acting_id), course_id)
    job = jobs.current_job()
    if len(missing) <= PART or job is None:
        _issue_here(course, missing)
        return None
    jobs.report_progress(0, len(missing))
    for start in range(0, len(missing), PART):
        jobs.enqueue(BACK_ISSUE_PART_JOB, parent_id=job.id, course_id=course_id,
                     acting_id=acting_id,
                     member_ids=[row[0] for row in missing[start:start + PART]])
    return jobs.WAIT_FOR_PARTS


@jobs.task(BACK_ISSUE_PART_JOB, max_attempts=5, heavy=True)
def run_back_issue_part(course_id: int, acting_id: int, member_ids: list[int]) -> None:
    """A part: certificates for those of ``member_ids`` still without one; what it
    issues counts toward the whole back-issue in the same commit."""
    course, missing = _course_and_missing(_acting(acting_id), course_id)
    wanted = set(member_ids)
    mine = [row for row in missing if row[0] in wanted]

    counted = 0

    def committed(issued_so_far: int) -> None:
        nonlocal counted
        jobs.count_for_parent(issued_so_far - counted)
        counted = issued_so_far
        db.session.commit()

    if mine:
        _issue_many(course, mine, utcnow(), after_batch=committed)


def _acting(acting_id: int) -> User:
    actor = db.session.get(User, acting_id)
    if actor is None:
        raise NotFound("The member who asked for this back-issue no longer exists.")
    return actor


def _issue_here(course: Course, missing: list[tuple[int, datetime, int]]) -> None:
    """Batch by batch, each committed with its progress, so a rerun issues only the rest."""
    job = jobs.current_job()
    total = (job.total_count if job is not None and job.total_count else None) or len(missing)
    already = total - len(missing)
    jobs.report_progress(already, total)

    def committed(issued: int) -> None:
        db.session.commit()
        jobs.report_progress(already + issued, total)

    if missing:
        _issue_many(course, missing, utcnow(), after_batch=committed)


def _course_and_missing(actor: User, course_id: int
                        ) -> tuple[Course, list[tuple[int, datetime, int]]]:
    course = db.session.get(Course, course_id)
    if course is None:
        raise NotFound("No such course.")
    if not can_edit(actor, course):
        raise Forbidden("Only this course's instructors and site staff can issue certificates.")
    return course, missing_certificates(course.id) if course.certificate_enabled else []


def _issue_many(course: Course, missing: list[tuple[int, datetime, int]], now: datetime,
                after_batch: Callable[[int], None] | None = None) -> int:
    members = {user.id: user for user in db.session.execute(
        select(User).where(User.id.in_([row[0] for row in missing]))).scalars()}
    evidence = evidence_mod.evidence_for(course, list(members))
    course_part, settings = course_snapshot(course), pdf_settings_or_none()
    rows = [row_values(members[user_id], completed_at, course_part, evidence.get(user_id, {}),
                       now, edition) for user_id, completed_at, edition in missing]
    issued = 0
    completed = {user_id: completed_at for user_id, completed_at, _edition in missing}
    with ThreadPoolExecutor(max_workers=SAVERS) as savers:
        for start in range(0, len(rows), BATCH):
            batch = rows[start:start + BATCH]
            if settings is not None:
                _store_pdfs(batch, settings, savers)
            issued += _insert_batch(course.id, batch, members, completed, now)
            if after_batch is not None:
                after_batch(issued)
    return issued


def _store_pdfs(rows: list[dict], settings: PdfSettings, savers: ThreadPoolExecutor) -> None:
    """Render each PDF here while worker threads store the previous ones.

    Rendering holds the GIL; storing mostly waits on the disk or the network,
    so overlapping them hides most of the storage time.
    """
    storage = get_storage()
    pending = []
    for values in rows:
        pdf = render_certificate(certificate_data(SimpleNamespace(**values)), settings)
        pending.append((values, savers.submit(_save, storage, pdf)))
    for values, future in pending:
        try:
            key, checksum = future.result()
        except StorageError:
            log.exception("could not store the PDF of certificate %s", values["code"])
            continue
        track_stored(key)
        values.update(pdf_key=key, pdf_checksum=checksum, pdf_version=1)


def _save(storage: Storage, pdf: bytes) -> tuple[str, str]:
    info = storage.save(new_key("certificates"), io.BytesIO(pdf), "application/pdf")
    return info.key, info.checksum or hashlib.sha256(pdf).hexdigest()


def _issue_credentials(rows: list[dict], inserted: dict[int, int], members: dict[int, User],
                       now: datetime) -> None:
    """The signed credentials of the certificates this batch inserted (same transaction)."""
    new = [(inserted[v["user_id"]], SimpleNamespace(**v), members[v["user_id"]])
           for v in rows if v["user_id"] in inserted]
    if new:
        credentials.issue_many(new, db.session.get(Course, rows[0]["course_id"]), now)


def _insert_batch(course_id: int, rows: list[dict], members: dict[int, User],
                  completed: dict[int, datetime], now: datetime) -> int:
    """One multi-row insert of certificates, one of their first versions; mail queued.

    The ledger hears of the whole batch at once (``certificates_issued``).
    """
    inserted = insert_ignoring_duplicates(rows)
    announce_issued(course_id, [{"certificate_id": certificate_id, "user_id": user_id,
                                 "completed_at": completed[user_id]}
                                for user_id, certificate_id in inserted.items()], now)
    versions = [{"certificate_id": inserted[v["user_id"]], "version": 1, "name": v["name"],
                 "pdf_key": v["pdf_key"], "checksum": v["pdf_checksum"], "created_at": now,
                 "reason": "issued"}
                for v in rows if v["user_id"] in inserted and v["pdf_key"]]
    if versions:
        db.session.execute(insert(CertificateVersion), versions)
    _issue_credentials(rows, inserted, members, now)
    for values in rows:
        if values["user_id"] in inserted:
            queue_ready_mail(members[values["user_id"]].email, values["code"],
                             values["course_title"], values["ce_hours"])
        elif values["pdf_key"]:
            get_storage().delete(values["pdf_key"])
    return len(inserted)
