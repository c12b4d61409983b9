"""SCORM runtime data → progress over the API: whose data, which facts complete an item."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.progress.models import ItemProgress, PackageRuntime
from lms.progress.packages import scorm12_outcome, scorm2004_outcome
from tests.factories import api_headers, enrol, make_course, make_item, make_module, make_user
from tests.packages import scorm_samples as samples


def scorm_item(data: bytes, instructor=None):
    course = make_course(instructors=[instructor] if instructor else [])
    item, _ = samples.stored_package(data, course, title="SCO")
    return course, item


def commit(client, user, item, cmi):
    return client.post(f"/api/v1/items/{item.id}/runtime", headers=api_headers(user),
                       json={"cmi": cmi})


def status_of(user, item) -> str | None:
    db.session.expire_all()
    return db.session.execute(select(ItemProgress.status).where(
        ItemProgress.user_id == user.id, ItemProgress.item_id == item.id)).scalar()


def test_a_member_writes_only_their_own_runtime_data(client, app_ctx):
    course, item = scorm_item(samples.scorm12_zip())
    first, second, stranger = make_user(), make_user(), make_user()
    enrol(first, course)
    enrol(second, course)
    assert commit(client, first, item, {"core": {"lesson_status": "incomplete"},
                                        "suspend_data": "mine"}).status_code == 200
    assert commit(client, second, item, {"core": {"lesson_status": "passed"}}).get_json()[
        "completed"] is True
    rows = {row.user_id: row.cmi for row in db.session.execute(select(PackageRuntime)).scalars()}
    assert rows[first.id]["suspend_data"] == "mine"
    assert status_of(first, item) == "in_progress"
    assert status_of(second, item) == "completed"

    refused = commit(client, stranger, item, {"core": {"lesson_status": "passed"}})
    assert refused.status_code == 403
    assert client.get(f"/api/v1/items/{item.id}/runtime",
                      headers=api_headers(stranger)).status_code == 403
    assert status_of(stranger, item) is None

    resumed = client.get(f"/api/v1/items/{item.id}/runtime", headers=api_headers(first))
    assert resumed.get_json()["cmi"]["suspend_data"] == "mine"
    assert resumed.get_json()["cmi"]["core"]["student_id"] == str(first.id)


def test_editors_previewing_record_nothing(client, app_ctx):
    instructor = make_user(role="instructor")
    _course, item = scorm_item(samples.scorm12_zip(), instructor)
    assert commit(client, instructor, item, {"core": {"lesson_status": "passed"}}
                  ).status_code == 403
    assert db.session.execute(select(PackageRuntime)).first() is None


def test_bad_or_oversized_runtime_data_is_refused(client, app_ctx):
    course, item = scorm_item(samples.scorm12_zip())
    member = make_user()
    enrol(member, course)
    no_cmi = client.post(f"/api/v1/items/{item.id}/runtime", headers=api_headers(member),
                         json={"core": {}})
    assert no_cmi.status_code == 422
    huge = commit(client, member, item, {"suspend_data": "x" * 300_000})
    assert huge.status_code == 413
    reading = make_item(make_module(course), kind="reading", title="Text")
    assert commit(client, member, reading, {"core": {}}).status_code == 422
    assert db.session.execute(select(PackageRuntime)).first() is None


def test_the_manifest_mastery_score_decides_scorm12_success(client, app_ctx):
    course, item = scorm_item(samples.scorm12_zip(mastery=80))
    member = make_user()
    enrol(member, course)
    low = commit(client, member, item, {"core": {"lesson_status": "passed",
                                                 "score": {"raw": "70"}}})
    assert low.get_json()["completed"] is False
    high = commit(client, member, item, {"core": {"lesson_status": "failed",
                                                  "score": {"raw": "85"}}})
    assert high.get_json()["completed"] is True
    assert high.get_json()["course_completed"] is True


@pytest.mark.parametrize(("cmi", "done", "success"), [
    ({"completion_status": "completed", "success_status": "passed",
      "score": {"scaled": "0.9"}}, True, True),
    ({"completion_status": "completed", "success_status": "unknown"}, True, None),
    ({"completion_status": "incomplete", "success_status": "passed"}, True, True),
    ({"completion_status": "completed", "success_status": "failed"}, False, False),
    ({"completion_status": "incomplete"}, False, None),
])
def test_scorm2004_status_rules(cmi, done, success):
    outcome = scorm2004_outcome(cmi)
    assert (outcome.completed, outcome.success) == (done, success)


@pytest.mark.parametrize(("status", "done"), [("passed", True), ("completed", True),
                                              ("failed", False), ("incomplete", False),
                                              ("browsed", False)])
def test_scorm12_status_rules_without_mastery(status, done):
    assert scorm12_outcome({"core": {"lesson_status": status}}, None).completed is done


def test_a_retake_starts_the_package_afresh(client, app_ctx):
    from lms.extensions import utcnow
    from lms.progress.editions import start_new_edition

    course, item = scorm_item(samples.scorm12_zip())
    member = make_user()
    enrollment = enrol(member, course)
    commit(client, member, item, {"core": {"lesson_status": "passed"}, "suspend_data": "old"})
    assert status_of(member, item) == "completed"
    db.session.expire_all()
    assert start_new_edition(enrollment, course, utcnow()) == 2
    db.session.commit()
    assert status_of(member, item) is None
    resumed = client.get(f"/api/v1/items/{item.id}/runtime", headers=api_headers(member))
    assert "suspend_data" not in resumed.get_json()["cmi"]
