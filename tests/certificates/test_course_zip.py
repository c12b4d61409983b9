"""Staff build a ZIP of a course's certificates in the background and download it when ready."""

from __future__ import annotations

import io
import re
import urllib.request
import zipfile

import pytest

from lms.accounts.models import User
from lms.certificates.bulkzip import ZIP_JOB
from lms.extensions import db, utcnow
from lms.jobs.models import Job
from lms.storage import get_storage
from tests.factories import api_headers, csrf_from, make_course, make_user


@pytest.fixture
def staff(auth, app_ctx):
    make_user(role="admin", email="staff@example.org")
    auth.login("staff@example.org")
    return auth


def stored(key: str) -> bytes:
    with get_storage().open(key) as stream:
        return stream.read()


def zip_jobs() -> int:
    return db.session.scalar(db.select(db.func.count(Job.id)).where(Job.name == ZIP_JOB))


def download_link(client, course_id: int) -> str:
    page = client.get(f"/admin/certificates/courses/{course_id}/zip").get_data(as_text=True)
    match = re.search(r'href="(/admin/certificates/zips/\d+\.zip)"', page)
    assert match, page
    return match.group(1)


def fetch_zip(client, link: str) -> tuple[bytes, str]:
    """The ZIP behind a download link (following S3's redirect) and its Content-Disposition."""
    response = client.get(link)
    if response.status_code == 302:
        with urllib.request.urlopen(response.headers["Location"], timeout=30) as answer:
            return answer.read(), answer.headers["Content-Disposition"]
    assert response.status_code == 200 and response.mimetype == "application/zip"
    data = response.data
    response.close()
    return data, response.headers["Content-Disposition"]


def test_staff_build_a_zip_in_the_background_and_download_it(backend, issued, staff, client):
    course = make_course(title="Open Data")
    certificates = [issued(course=course) for _ in range(3)]

    queued = staff.post(f"/admin/certificates/courses/{course.id}/zip")
    assert queued.status_code == 302

    data, disposition = fetch_zip(client, download_link(client, course.id))
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert set(archive.namelist()) == {f"{c.code}.pdf" for c in certificates} | {"manifest.csv"}
    assert archive.read(f"{certificates[0].code}.pdf") == stored(certificates[0].pdf_key)
    assert len(archive.read("manifest.csv").decode().splitlines()) == 4
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''certificates-{course.slug}.zip" in disposition


def test_the_index_page_queues_a_zip_with_its_button(issued, staff, client):
    course = make_course(title="Open Data")
    issued(course=course)
    index = client.get("/admin/certificates").get_data(as_text=True)
    assert f'action="/admin/certificates/courses/{course.id}/zip"' in index

    refused = client.post(f"/admin/certificates/courses/{course.id}/zip", data={})
    assert refused.status_code == 400  # no CSRF token: no job
    assert zip_jobs() == 0

    sent = client.post(f"/admin/certificates/courses/{course.id}/zip",
                       data={"csrf_token": csrf_from(index)})
    assert sent.status_code == 302 and zip_jobs() == 1


def test_a_new_zip_replaces_the_last_one(backend, issued, staff, client):
    course = make_course()
    issued(course=course)
    staff.post(f"/admin/certificates/courses/{course.id}/zip")
    first_link = download_link(client, course.id)
    first = db.session.scalars(db.select(Job).where(Job.name == ZIP_JOB)).one()
    first_key = first.result["key"]

    staff.post(f"/admin/certificates/courses/{course.id}/zip")
    second_link = download_link(client, course.id)

    assert second_link != first_link
    assert client.get(first_link).status_code == 404
    assert backend.head(first_key) is None
    assert zipfile.ZipFile(io.BytesIO(fetch_zip(client, second_link)[0])).testzip() is None


def test_the_page_shows_how_far_a_running_zip_has_come(issued, staff, client):
    course = make_course()
    issued(course=course)
    db.session.add(Job(name=ZIP_JOB, arguments={"course_id": course.id, "acting_id": 1},
                       status="running", done_count=75, total_count=200, enqueued_at=utcnow()))
    db.session.commit()

    page = client.get(f"/admin/certificates/courses/{course.id}/zip").get_data(as_text=True)

    assert 'max="200" value="75"' in page and "75 of 200 certificates added" in page
    assert "Build a new ZIP" not in page and "/admin/certificates/zips/" not in page


@pytest.mark.parametrize("role", ["member", "instructor"])
def test_only_staff_build_or_download_zips(issued, auth, client, role):
    course = make_course()
    issued(course=course)
    make_user(role="admin", email="staff@example.org")
    auth.login("staff@example.org")
    auth.post(f"/admin/certificates/courses/{course.id}/zip")
    link = download_link(client, course.id)
    auth.logout()
    make_user(role=role, email="someone@example.org")
    auth.login("someone@example.org")

    assert client.get(link).status_code == 403
    assert auth.post(f"/admin/certificates/courses/{course.id}/zip").status_code == 403
    assert zip_jobs() == 1


def test_a_retried_zip_job_removes_what_its_failed_attempt_stored(backend, issued, staff,
                                                                   client):
    course = make_course()
    issued(course=course)
    leftover = backend.save("certificate-zips/left-over/1", io.BytesIO(b"PK partial"),
                            "application/zip").key
    admin = db.session.scalars(db.select(User).where(User.is_admin)).one()
    job = Job(name=ZIP_JOB, arguments={"course_id": course.id, "acting_id": admin.id},
              status="failed", attempts=5, error="the store went away",
              result={"key": leftover}, enqueued_at=utcnow())
    db.session.add(job)
    db.session.commit()

    retried = client.post(f"/api/v1/jobs/{job.id}/retry", headers=api_headers(admin))

    assert retried.status_code == 200, retried.get_json()
    assert backend.head(leftover) is None
    data, _ = fetch_zip(client, download_link(client, course.id))
    assert len(zipfile.ZipFile(io.BytesIO(data)).namelist()) == 2  # the PDF and the manifest
