"""Two first launches of one platform user at once, on PostgreSQL (a double click on the
platform's link): one member, one identity, one link, one enrolment."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.catalog.models import Enrollment
from lms.extensions import db
from lms.standards.models import LtiIdentity, LtiLink
from tests.databases import postgres_database
from tests.factories import make_course
from tests.standards.lti_helpers import launch, login, register, resource_link_claims

LAUNCHES = 4


@pytest.fixture
def pg_app(make_app):
    with postgres_database("lms_lti") as url:
        app = make_app(SQLALCHEMY_DATABASE_URI=url, JOBS_EAGER=True)
        with app.app_context():
            db.create_all()
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_first_launches_at_once_make_one_member(pg_app, lti_platform) -> None:
    with pg_app.app_context():
        register(lti_platform)
        slug = make_course().slug
    launches = []
    for _ in range(LAUNCHES):
        client = pg_app.test_client()
        params = login(client, lti_platform)
        claims = resource_link_claims(lti_platform, params["nonce"], slug=slug)
        launches.append((client, lti_platform.sign(claims), params["state"]))
    barrier = threading.Barrier(LAUNCHES, timeout=30)

    def go(args) -> int:
        barrier.wait()
        return launch(*args).status_code

    with ThreadPoolExecutor(LAUNCHES) as pool:
        statuses = list(pool.map(go, launches))
    assert statuses.count(303) >= 1 and set(statuses) <= {303, 409}, statuses
    with pg_app.app_context():
        for model in (User, LtiIdentity, LtiLink, Enrollment):
            assert db.session.scalar(select(func.count()).select_from(model)) == 1, model
