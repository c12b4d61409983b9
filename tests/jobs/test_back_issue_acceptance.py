"""Back-issue of 200 certificates on an app whose jobs go to Redis: the request only queues,
a real worker issues them while the staff page shows how far it has come, and the ZIP
of the course, built by another job, downloads with 200 PDFs."""

from __future__ import annotations

import io
import re
import time
import zipfile

import pytest
from sqlalchemy import func, select

from lms.certificates.backissue import BACK_ISSUE_JOB
from lms.certificates.models import Certificate
from lms.extensions import db
from lms.jobs.models import Job
from tests.factories import (
    Auth,
    api_headers,
    bulk_completions,
    bulk_members,
    csrf_from,
    make_course,
    make_user,
)
from tests.jobs.workers import running_worker, wait_until, worker_environment

#: Timing-sensitive: CI runs these alone, after the parallel run.
pytestmark = pytest.mark.serial

MEMBERS = 200
#: The longest a request that queues the work may take.
QUEUING_BUDGET = 0.200


def timed(send) -> tuple[object, float]:
    started = time.perf_counter()
    response = send()
    return response, time.perf_counter() - started


def certificates_of(course) -> list[int]:
    db.session.rollback()
    return list(db.session.scalars(select(func.count()).select_from(Certificate)
                                   .where(Certificate.course_id == course.id)
                                   .group_by(Certificate.user_id)))


def back_issue_job(course) -> Job:
    db.session.rollback()
    return next(job for job in db.session.scalars(select(Job).where(Job.name == BACK_ISSUE_JOB))
                if job.arguments["course_id"] == course.id)


def test_back_issue_of_200_answers_at_once_and_a_worker_issues_them(
        broker_app, namespace, mail_server):
    client = broker_app.test_client()
    with broker_app.app_context():
        admin = make_user(role="admin", email="staff@example.org")
        by_api, by_form = (make_course(certificate_enabled=True, title=title)
                           for title in ("Cataloguing", "Open data"))
        members = bulk_members(MEMBERS)
        bulk_completions(by_api, members)
        bulk_completions(by_form, members)
        headers = api_headers(admin)
        Auth(client).login(admin.email)
        api_url = f"/api/v1/courses/{by_api.id}/certificates/back-issue"
        page_url = f"/admin/certificates/courses/{by_form.id}/back-issue"

        dry = client.post(api_url, json={"dry_run": True}, headers=headers)
        assert (dry.status_code, dry.get_json()["count"]) == (200, MEMBERS)
        api, api_seconds = timed(lambda: client.post(api_url, json={"dry_run": False},
                                                     headers=headers))
        assert api.status_code == 202, api.get_json()
        assert api.get_json()["job"]["status"] == "queued"
        page = client.get(page_url).get_data(as_text=True)
        assert f"Issue {MEMBERS} certificates" in page
        form, form_seconds = timed(lambda: client.post(page_url,
                                                       data={"csrf_token": csrf_from(page)}))
        assert form.status_code == 302
        assert max(api_seconds, form_seconds) < QUEUING_BUDGET, (api_seconds, form_seconds)
        assert certificates_of(by_api) == certificates_of(by_form) == []  # nothing ran yet
        assert "Waiting for a worker to start" in client.get(page_url).get_data(as_text=True)

        with running_worker(worker_environment(broker_app, namespace)) as worker:
            seen = set()

            def finished() -> bool:
                text = client.get(page_url).get_data(as_text=True)
                if "Issuing in the background" in text:
                    seen.update(map(int, re.findall(rf"(\d+) of {MEMBERS} certificates issued",
                                                    text)))
                return "The last back-issue finished" in text

            wait_until(finished, 120, every=0.05, what=f"the back-issue\n{worker.output()}")
            wait_until(lambda: back_issue_job(by_api).status == "done", 60,
                       what="the API's back-issue")
            assert seen and min(seen) < MEMBERS, seen  # progress showed while it ran
            done = client.get(page_url).get_data(as_text=True)
            assert f"{MEMBERS} of {MEMBERS} certificates issued" in done
            assert certificates_of(by_form) == certificates_of(by_api) == [1] * MEMBERS

            zip_page = f"/admin/certificates/courses/{by_form.id}/zip"
            csrf = csrf_from(client.get(zip_page).get_data(as_text=True))
            assert client.post(zip_page, data={"csrf_token": csrf}).status_code == 302
            link = wait_until(lambda: re.search(r'href="(/admin/certificates/zips/\d+\.zip)"',
                                                client.get(zip_page).get_data(as_text=True)),
                              60, every=0.1, what=f"the ZIP\n{worker.output()}").group(1)
            response = client.get(link)
            data = response.data
            response.close()
    assert response.status_code == 200 and response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert len([name for name in names if name.endswith(".pdf")]) == MEMBERS
    assert "manifest.csv" in names
