"""Real concurrent requests against the live server: one retake opens one edition, one
evaluation is recorded per edition (SQLite and, with LMS_TEST_DATABASE_URL, PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from lms.catalog.models import Enrollment
from lms.extensions import db, utcnow
from lms.progress.models import ArchivedProgress
from lms.quizzes.models import EvaluationResponse
from tests.factories import api_headers, enrol, make_course, make_item, make_module, make_user
from tests.quizzes.test_quiz_concurrency import post_all


def count(model, **where) -> int:
    db.session.rollback()  # a fresh read of what the server committed
    return db.session.execute(select(func.count()).select_from(model).filter_by(**where)
                              ).scalar_one()


def test_eight_concurrent_retakes_open_one_edition(complete, live_server, app_ctx):
    course = make_course(modules=1, items_per_module=2, certificate_valid_months=12)
    member = make_user()
    certificate = complete(member, course)
    certificate.expires_on = utcnow().date() - timedelta(days=1)
    db.session.commit()
    statuses = post_all(f"{live_server.url}/api/v1/courses/{course.id}/retake",
                        api_headers(member), 8)
    assert sorted(statuses) == [201] + [409] * 7, statuses
    assert count(ArchivedProgress, user_id=member.id) == 2
    assert db.session.execute(select(Enrollment.edition).where(
        Enrollment.user_id == member.id)).scalar_one() == 2


def test_eight_concurrent_evaluations_record_one(client, live_server, app_ctx):
    instructor = make_user(role="instructor")
    course = make_course(instructors=[instructor])
    item = make_item(make_module(course), kind="evaluation", title="Evaluation", body="")
    question = client.post(f"/api/v1/items/{item.id}/evaluation/questions",
                           json={"kind": "likert", "prompt": "Useful?"},
                           headers=api_headers(instructor)).get_json()
    member = make_user()
    enrol(member, course)
    statuses = post_all(f"{live_server.url}/api/v1/items/{item.id}/evaluation",
                        api_headers(member), 8, {"answers": {str(question["id"]): 5}})
    assert sorted(statuses) == [201] + [409] * 7, statuses
    assert count(EvaluationResponse, user_id=member.id) == 1
