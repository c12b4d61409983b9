"""Errors: HTML pages for people, problem+json for the API, never a traceback."""

import logging

import pytest
from flask import abort

from lms.accounts.models import User
from lms.extensions import db
from tests.factories import PASSWORD, api_headers, make_user

STATUSES = [400, 403, 404, 405, 413, 429, 500]


@pytest.fixture
def abort_app(make_app):
    """An app with routes that end in a given status, on a page and in the API."""
    app = make_app("test")

    @app.get("/trigger/<int:code>")
    def trigger_page(code: int):
        abort(code)

    @app.get("/api/v1/trigger/<int:code>")
    def trigger_api(code: int):
        abort(code)

    return app


@pytest.mark.parametrize("status", STATUSES)
def test_error_pages_are_html(abort_app, status):
    response = abort_app.test_client().get(f"/trigger/{status}")
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert '<main id="main"' in html and f"Error {status}." in html
    assert "Go to the home page" in html


@pytest.mark.parametrize("status", STATUSES)
def test_api_errors_are_problem_json(abort_app, status):
    response = abort_app.test_client().get(f"/api/v1/trigger/{status}")
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body["status"] == status
    assert body["type"] and body["title"] and body["detail"]


def test_unknown_api_path_is_problem_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_wrong_method_names_the_allowed_ones(client):
    response = client.delete("/api/v1/me")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert "PATCH" in response.headers["Allow"]


def test_body_over_max_content_length_gets_413(app, client, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    big = "x" * 2048
    api = client.post("/api/v1/members", json={"email": "a@example.org", "password": PASSWORD,
                                               "name": big})
    assert api.status_code == 413
    assert api.mimetype == "application/problem+json"
    page = client.post("/register", data={"name": big})
    assert page.status_code == 413
    assert page.mimetype == "text/html"
    assert db.session.query(User).count() == 0


def test_real_403_page_for_a_member(auth, app_ctx):
    make_user(email="ada@example.org")
    auth.login("ada@example.org")
    response = auth.client.get("/admin/members")
    assert response.status_code == 403
    assert "Only site staff can do this." in response.get_data(as_text=True)


def test_forbidden_is_logged(client, app_ctx, caplog):
    headers = api_headers(make_user())
    with caplog.at_level(logging.WARNING, logger="lms.errors"):
        assert client.get("/api/v1/members", headers=headers).status_code == 403
    assert "forbidden: GET /api/v1/members" in caplog.text


@pytest.fixture
def crashing_app(make_app):
    """A non-testing app (as in production) with routes that fail unexpectedly."""
    app = make_app("default", PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals: password=hunter2")

    @app.get("/api/v1/boom")
    def api_boom():
        raise RuntimeError("secret internals: password=hunter2")

    return app


def test_unhandled_exception_shows_generic_page_with_reference(crashing_app, caplog):
    with caplog.at_level(logging.ERROR, logger="lms.errors"):
        response = crashing_app.test_client().get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in html
    assert "Traceback" not in html and "hunter2" not in html and "RuntimeError" not in html
    incident = html.split("Reference: <code>")[1].split("</code>")[0]
    assert incident == response.headers["X-Request-ID"]  # one id: page, header and log line
    assert incident in caplog.text and "hunter2" in caplog.text  # the details go to the log


def test_unhandled_exception_in_api_is_problem_json(crashing_app):
    response = crashing_app.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert response.json["incident"] == response.headers["X-Request-ID"]
    assert "hunter2" not in response.get_data(as_text=True)


def test_error_page_survives_a_broken_template_context(crashing_app, monkeypatch):
    """When the site template itself fails (say the database is down), a bare page still comes."""
    from lms import errors

    def broken(*args, **kwargs):
        raise RuntimeError("template context unavailable")

    monkeypatch.setattr(errors, "render_template", broken)
    response = crashing_app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
