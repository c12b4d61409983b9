from __future__ import annotations

import pytest

from tests.lrsserver import PASSWORD, USERNAME, Ralph


@pytest.fixture(scope="session")
def ralph_server():
    """One Ralph LRS for the session (started on first use; its statements cleared per test)."""
    server = Ralph()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def ralph(ralph_server):
    if ralph_server.process is None:
        ralph_server.start()
    ralph_server.clear()
    yield ralph_server
    ralph_server.clear()


def lrs_settings(server: Ralph) -> dict:
    return {"LRS_URL": server.url, "LRS_USERNAME": USERNAME, "LRS_PASSWORD": PASSWORD}


@pytest.fixture
def lrs_app(app, make_app, ralph):
    """An app on the session app's database that forwards to Ralph, jobs run at once."""
    return make_app(SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                    MEDIA_DIR=app.config["MEDIA_DIR"], **lrs_settings(ralph))


@pytest.fixture(scope="session")
def lti_platform_server():
    """One test LTI platform for the session (its own process and keys)."""
    from tests.standards.lti_platform import TestPlatform

    platform = TestPlatform()
    platform.start()
    yield platform
    platform.stop()


@pytest.fixture
def lti_platform(lti_platform_server):
    lti_platform_server.reset()
    yield lti_platform_server
    lti_platform_server.reset()


@pytest.fixture
def platform(app_ctx, lti_platform):
    """The test platform, registered with the tool."""
    from tests.standards.lti_helpers import register

    register(lti_platform)
    return lti_platform
