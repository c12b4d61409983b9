"""Fixtures built from the application factory, against real services.

- Database: a SQLite file per test session, or, when ``LMS_TEST_DATABASE_URL``
  names a PostgreSQL server, a fresh database created on it for this run.
- Mail: a real SMTP server (aiosmtpd) on a loopback port.
- ``live_server``: the app served over HTTP in a thread, for browsers and
  concurrency tests. ``page``: headless Chromium through Playwright.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text
from werkzeug.serving import WSGIRequestHandler, make_server

from tests import factories, s3server
from tests.databases import fresh_database
from tests.mailserver import MailServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class Client(FlaskClient):
    """A test client whose requests never see ``g`` from a test's app context.

    Tests hold an app context for factories; Flask reuses it for requests, so
    per-request state (the logged-in user) would otherwise leak between them.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            for name in list(g):
                g.pop(name)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    with fresh_database(tmp_path_factory.mktemp("db") / "test.db") as url:
        yield url


@pytest.fixture(scope="session")
def mail_server():
    server = MailServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_server():
    """A real S3-compatible server (moto's standalone server in a subprocess)."""
    with s3server.running() as server:
        yield server


@pytest.fixture(scope="session")
def app(database_url, mail_server, tmp_path_factory):
    from lms import create_app
    from lms.extensions import db

    instance = tmp_path_factory.mktemp("instance")
    os.environ["LMS_INSTANCE_PATH"] = str(instance)
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=database_url,
        MEDIA_DIR=str(instance / "media"),
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=mail_server.port,
    )
    app.test_client_class = Client
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state(request):
    """After each test that used the app: empty every table, reset limits and mail."""
    from lms.extensions import limiter

    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        empty_tables()
        limiter.reset()
    from lms import memo, pagecache

    pagecache.clear()
    memo.clear_all()
    request.getfixturevalue("mail_server").messages.clear()


#: Ids start at 1 again in every test, as after a TRUNCATE … RESTART IDENTITY (which costs
#: about half a second a test on PostgreSQL for this many tables; DELETE costs milliseconds).
RESTART_SEQUENCES = text(
    "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind = 'S' AND n.nspname = current_schema()")


def empty_tables() -> None:
    """Delete every row (children first) so the next test starts from an empty database."""
    from lms.extensions import db

    db.session.remove()
    tables = db.metadata.sorted_tables
    with db.engine.begin() as conn:
        for table in reversed(tables):
            conn.execute(table.delete())
        if conn.dialect.name == "postgresql":
            conn.execute(RESTART_SEQUENCES)


@pytest.fixture
def make_app(tmp_path, monkeypatch):
    """Build extra apps with other settings: ``make_app("production", SECRET_KEY=...)``.

    Each gets its own instance folder and (unless told otherwise) an in-memory
    SQLite database; engines are disposed afterwards.
    """
    from lms import create_app, logs
    from lms.extensions import db

    built = []
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path / "instance"))

    def build(config_name: str = "test", **overrides):
        overrides.setdefault("SQLALCHEMY_DATABASE_URI", "sqlite://")
        overrides.setdefault("MEDIA_DIR", str(tmp_path / "media"))
        new_app = create_app(config_name, **overrides)
        built.append(new_app)
        return new_app

    yield build
    for built_app in built:
        with built_app.app_context():
            db.session.remove()
            db.engine.dispose()
    logs.reset()  # "default" and "production" apps log to stderr at INFO; tests leave it to pytest


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def auth(client):
    return factories.Auth(client)


#: The ``environ`` key under which the live server keeps the body it is sending.
_BODY = "tests.live_server.body"


class _ClosingRequestHandler(WSGIRequestHandler):
    """Closes the body of a response the browser dropped halfway (a cancelled favicon).

    Werkzeug's server leaves it open when reading what the client sent after the
    drop fails too; its file would then be closed by the garbage collector, with a
    ResourceWarning in whichever test runs at that moment.
    """

    def connection_dropped(self, error, environ=None) -> None:
        body = environ.pop(_BODY, None) if environ else None
        if hasattr(body, "close"):
            body.close()


def _keeping_the_body(app):
    def wsgi(environ, start_response):
        environ[_BODY] = body = app(environ, start_response)
        return body
    return wsgi


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, _keeping_the_body(app), threaded=True,
                         request_handler=_ClosingRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--autoplay-policy=no-user-gesture-required"])
        yield browser
        browser.close()


@pytest.fixture
def page(app, browser, live_server):
    # The app's own origin is the live server's; packages play from the same port under
    # the other loopback name (lms/origins.py swaps them when PACKAGE_BASE_URL is unset).
    kept = app.config["BASE_URL"]
    app.config["BASE_URL"] = live_server.url
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
    app.config["BASE_URL"] = kept
