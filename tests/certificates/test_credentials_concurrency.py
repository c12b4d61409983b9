"""One issuance under concurrency: one certificate, one credential, one status position.

Real simultaneous HTTP requests against the live server; on PostgreSQL
(``LMS_TEST_DATABASE_URL``) they race in separate connections and transactions.
"""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from lms.catalog.models import Item, Module
from lms.certificates.models import Certificate, Credential
from lms.extensions import db
from tests.factories import api_headers, enrol, make_course, make_user

CALLS = 50


def _complete(url: str, item_id: int, headers: dict) -> int:
    request = urllib.request.Request(
        f"{url}/api/v1/items/{item_id}/progress", data=json.dumps({"completed": True}).encode(),
        headers=headers | {"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status


def _single_item_course():
    course = make_course(modules=1, items_per_module=1)
    item_id = db.session.execute(db.select(Item.id).join(Module).where(
        Module.course_id == course.id)).scalar_one()
    return course, item_id


def test_fifty_simultaneous_completions_make_one_credential(live_server, app_ctx, mail_server):
    member = make_user(email="cred-racer@example.org")
    course, item_id = _single_item_course()
    enrol(member, course)
    headers = api_headers(member)
    with ThreadPoolExecutor(max_workers=CALLS) as pool:
        statuses = list(pool.map(lambda _: _complete(live_server.url, item_id, headers),
                                 range(CALLS)))
    assert statuses == [200] * CALLS
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 1
    credentials = db.session.execute(db.select(Credential)).scalars().all()
    assert len(credentials) == 1
    assert credentials[0].jwt.count(".") == 2


def test_simultaneous_completions_of_many_members_get_distinct_status_positions(
        live_server, app_ctx, mail_server):
    course, item_id = _single_item_course()
    members = [make_user() for _ in range(10)]
    for member in members:
        enrol(member, course)
    headers = [api_headers(member) for member in members]
    with ThreadPoolExecutor(max_workers=len(members)) as pool:
        statuses = list(pool.map(lambda h: _complete(live_server.url, item_id, h), headers))
    assert statuses == [200] * len(members)
    db.session.expire_all()
    credentials = db.session.execute(db.select(Credential)).scalars().all()
    assert len(credentials) == len(members)
    positions = {(row.status_list, row.status_index) for row in credentials}
    assert len(positions) == len(members)
    for row in credentials:
        payload = row.jwt.split(".")[1]
        assert f'"statusListIndex":"{row.status_index}"' in _decode(payload)


def _decode(part: str) -> str:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode()
