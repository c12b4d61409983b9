from __future__ import annotations

import pytest

from tests.jobs.workers import REDIS_URL, clear_namespace, new_namespace


@pytest.fixture
def namespace():
    name = new_namespace()
    yield name
    clear_namespace(name)


@pytest.fixture
def broker_app(app, make_app, namespace):
    """An app on the session app's database and media folder that sends jobs to Redis."""
    return make_app(
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        MEDIA_DIR=app.config["MEDIA_DIR"], MAIL_SERVER=app.config["MAIL_SERVER"],
        MAIL_PORT=app.config["MAIL_PORT"], BROKER_URL=REDIS_URL, JOBS_NAMESPACE=namespace,
        JOBS_EAGER=False)
