"""Exactly one certificate per member and course, whatever the number of simultaneous calls."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from lms.certificates.models import Certificate, CertificateVersion
from lms.extensions import db
from tests.factories import enrol, make_course, make_user

CALLS = 50


def test_fifty_concurrent_issues_leave_one_certificate(app, app_ctx, mail_server):
    from lms.catalog.models import Course, Enrollment
    from lms.certificates.issuance import issue_certificate

    member = make_user(email="racer@example.org")
    course = make_course()
    enrol(member, course, completed_at=datetime(2025, 6, 1, tzinfo=UTC))
    ids = (member.id, course.id)
    # Threads load their rows after the barrier: the pool has fewer connections than
    # threads, so holding one while waiting would starve the others.
    start = threading.Barrier(CALLS, timeout=30)
    codes: list[str] = []
    errors: list[BaseException] = []

    def call() -> None:
        with app.app_context():
            try:
                start.wait()
                user = db.session.get(type(member), ids[0])
                the_course = db.session.get(Course, ids[1])
                enrollment = db.session.execute(db.select(Enrollment).where(
                    Enrollment.user_id == ids[0], Enrollment.course_id == ids[1])).scalar_one()
                certificate = issue_certificate(user, the_course, enrollment)
                db.session.commit()
                codes.append(certificate.code)
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=call) for _ in range(CALLS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors[:3]
    assert len(codes) == CALLS and len(set(codes)) == 1
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 1
    assert db.session.scalar(db.select(db.func.count(CertificateVersion.id))) == 1
    assert len(mail_server.to("racer@example.org")) == 1


def test_fifty_simultaneous_completion_requests_issue_one_certificate(live_server, app_ctx,
                                                                      mail_server):
    """The same through HTTP: 50 requests completing the course's last item at once."""
    import json
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    from lms.catalog.models import Item, Module
    from tests.factories import api_headers

    member = make_user(email="http-racer@example.org")
    course = make_course(modules=1, items_per_module=1)
    enrol(member, course)
    item_id = db.session.execute(db.select(Item.id).join(Module).where(
        Module.course_id == course.id)).scalar_one()
    headers = api_headers(member) | {"Content-Type": "application/json"}

    def post(_: int) -> int:
        request = urllib.request.Request(
            f"{live_server.url}/api/v1/items/{item_id}/progress",
            data=json.dumps({"completed": True}).encode(), headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status

    with ThreadPoolExecutor(max_workers=CALLS) as pool:
        statuses = list(pool.map(post, range(CALLS)))

    assert statuses == [200] * CALLS
    db.session.expire_all()
    certificates = db.session.execute(db.select(Certificate)).scalars().all()
    assert len(certificates) == 1 and certificates[0].user_id == member.id
    assert certificates[0].pdf_key is not None
    assert len(mail_server.to("http-racer@example.org")) == 1
