"""With Redis as the limiter's store, failed logins count across app processes."""

import secrets
import socket

import pytest

from tests.factories import csrf_from

REDIS_URI = "redis://127.0.0.1:6379"


def redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


def failed_login(app, email: str, address: str) -> int:
    client = app.test_client()
    page = client.get("/login", environ_base={"REMOTE_ADDR": address}).get_data(as_text=True)
    return client.post("/login", environ_base={"REMOTE_ADDR": address}, data={
        "email": email, "password": "not the password", "csrf_token": csrf_from(page)}
    ).status_code


def redis_app(make_app):
    from lms.extensions import db

    app = make_app(RATELIMIT_STORAGE_URI=REDIS_URI)
    with app.app_context():
        db.create_all()
    return app


@pytest.mark.skipif(not redis_answers(), reason="no Redis server at 127.0.0.1:6379")
def test_failures_on_one_process_count_on_another(make_app):
    email = f"shared-{secrets.token_hex(6)}@example.org"
    address = f"198.51.100.{secrets.randbelow(254) + 1}"
    first = redis_app(make_app)
    assert [failed_login(first, email, address) for _ in range(5)] == [401] * 5
    second = redis_app(make_app)  # a new connection to the store, like another worker
    assert failed_login(second, email, address) == 429
