"""Production refuses laptop-only settings; cookies are Secure there."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import DEV_SECRET_KEY

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "k" * 48
POSTGRES = "postgresql+psycopg://lms@127.0.0.1:5432/lms"


def test_production_refuses_the_dev_secret_key(make_app):
    with pytest.raises(RuntimeError, match="LMS_SECRET_KEY"):
        make_app("production", SECRET_KEY=DEV_SECRET_KEY, SQLALCHEMY_DATABASE_URI=POSTGRES)


def test_production_refuses_sqlite_unless_allowed(make_app):
    with pytest.raises(RuntimeError, match="LMS_ALLOW_SQLITE"):
        make_app("production", SECRET_KEY=STRONG_KEY)
    assert make_app("production", SECRET_KEY=STRONG_KEY, ALLOW_SQLITE=True)


def test_production_cookies_are_secure_httponly_lax(make_app):
    app = make_app("production", SECRET_KEY=STRONG_KEY, SQLALCHEMY_DATABASE_URI=POSTGRES)
    response = app.test_client().get("/login")  # sets the session (CSRF token)
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config["REMEMBER_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_HTTPONLY"]


def test_development_cookies_work_over_plain_http(make_app):
    app = make_app("default")
    assert app.config["SESSION_COOKIE_SECURE"] is False


def start_production(tmp_path, **env) -> subprocess.CompletedProcess:
    """Build the production app in a fresh interpreter, configured only by environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    clean |= {"LMS_INSTANCE_PATH": str(tmp_path), **env}
    code = "from lms import create_app; create_app('production'); print('started')"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True,
                          text=True, timeout=60, check=False)


def test_environment_decides_in_a_real_process(tmp_path):
    refused = start_production(tmp_path)
    assert refused.returncode != 0 and "LMS_SECRET_KEY" in refused.stderr
    sqlite = start_production(tmp_path, LMS_SECRET_KEY=STRONG_KEY)
    assert sqlite.returncode != 0 and "LMS_ALLOW_SQLITE" in sqlite.stderr
    allowed = start_production(tmp_path, LMS_SECRET_KEY=STRONG_KEY, LMS_ALLOW_SQLITE="1")
    assert allowed.returncode == 0, allowed.stderr
    assert "started" in allowed.stdout


def test_forwarded_headers_are_trusted_only_behind_a_configured_proxy(make_app):
    from flask import request

    def seen(app) -> tuple[str, str]:
        app.add_url_rule("/whoami", "whoami", lambda: f"{request.remote_addr} {request.scheme}")
        headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
        return app.test_client().get("/whoami", headers=headers).get_data(as_text=True)

    assert seen(make_app()) == "127.0.0.1 http"
    assert seen(make_app(PROXY_COUNT=1)) == "203.0.113.9 https"
