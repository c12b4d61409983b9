"""Each app counts limits in its own store; with Redis as that store, app servers share it.

Two apps in one process (as in these tests) keep separate counters: building one
never re-points or turns off another's. Apps given the same Redis count together.
"""

import secrets
import socket
from collections.abc import Callable

import pytest
import redis

from tests.factories import csrf_from

REDIS_URI = "redis://127.0.0.1:6379"


def redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


def with_csrf(client, path: str, address: str, data: dict) -> int:
    """POST a form with the session's CSRF token (taken from the login page)."""
    page = client.get("/login", environ_base={"REMOTE_ADDR": address}).get_data(as_text=True)
    return client.post(path, environ_base={"REMOTE_ADDR": address},
                       data={**data, "csrf_token": csrf_from(page)}).status_code


def failed_login(app, email: str, address: str) -> int:
    return with_csrf(app.test_client(), "/login", address,
                     {"email": email, "password": "not the password"})


#: One request to each limited thing, by (app, address): every limited route and the
#: login-failure counter. Each request counts once against its limit.
LIMITED: dict[str, Callable] = {
    "login failures": lambda app, address: failed_login(app, "nobody@example.org", address),
    "reset request form": lambda app, address: with_csrf(
        app.test_client(), "/reset", address, {"email": "nobody@example.org"}),
    "reset form": lambda app, address: with_csrf(
        app.test_client(), "/reset/not-a-token", address,
        {"password": "x", "confirm": "y"}),
    "register form": lambda app, address: with_csrf(
        app.test_client(), "/register", address, {"email": "not an email"}),
    "register API": lambda app, address: app.test_client().post(
        "/api/v1/members", json={}, environ_base={"REMOTE_ADDR": address}).status_code,
    "token API": lambda app, address: app.test_client().post(
        "/api/v1/tokens", json={"email": "nobody@example.org", "password": "wrong password"},
        environ_base={"REMOTE_ADDR": address}).status_code,
    "verify page": lambda app, address: app.test_client().get(
        "/verify/AAAA-BBBB", environ_base={"REMOTE_ADDR": address}).status_code,
    "verify API": lambda app, address: app.test_client().get(
        "/api/v1/verify/AAAA-BBBB",
        environ_base={"REMOTE_ADDR": address}).status_code,
}


def exhaust(send: Callable, app, address: str) -> None:
    for _ in range(61):
        if send(app, address) == 429:
            return
    pytest.fail("never limited")


def app_with_tables(make_app, **settings):
    from lms.extensions import db

    app = make_app(**settings)
    with app.app_context():
        db.create_all()
    return app


@pytest.mark.parametrize("name", LIMITED)
def test_each_app_counts_its_own_limits(name, app, make_app):
    send = LIMITED[name]
    address = f"198.51.100.{secrets.randbelow(254) + 1}"
    exhaust(send, app, address)
    other = app_with_tables(make_app)
    assert send(other, address) != 429  # its own counters, not the first app's
    unlimited = app_with_tables(make_app, RATELIMIT_ENABLED=False)
    assert [send(unlimited, address) for _ in range(7)].count(429) == 0
    assert send(app, address) == 429  # building the others re-pointed and turned off nothing


@pytest.fixture
def namespace():
    """A Redis key prefix of this test's own; its keys are deleted afterwards."""
    name = f"lms-test-limits-{secrets.token_hex(6)}"
    yield name
    client = redis.Redis.from_url(REDIS_URI)
    keys = list(client.scan_iter(f"{name}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.mark.skipif(not redis_answers(), reason="no Redis server at 127.0.0.1:6379")
def test_failures_on_one_process_count_on_another(make_app, namespace):
    email = f"shared-{secrets.token_hex(6)}@example.org"
    address = f"198.51.100.{secrets.randbelow(254) + 1}"
    first = app_with_tables(make_app, RATELIMIT_STORAGE_URI=REDIS_URI,
                            RATELIMIT_NAMESPACE=namespace)
    assert [failed_login(first, email, address) for _ in range(5)] == [401] * 5
    second = app_with_tables(make_app, RATELIMIT_STORAGE_URI=REDIS_URI,
                             RATELIMIT_NAMESPACE=namespace)  # like another app server
    assert failed_login(second, email, address) == 429
    assert list(redis.Redis.from_url(REDIS_URI).scan_iter(f"{namespace}:*"))


@pytest.mark.skipif(not redis_answers(), reason="no Redis server at 127.0.0.1:6379")
def test_a_redis_broker_is_the_default_store(make_app, namespace):
    settings = {"BROKER_URL": REDIS_URI, "RATELIMIT_STORAGE_URI": None,
                "RATELIMIT_NAMESPACE": namespace, "JOBS_NAMESPACE": namespace}
    email = f"shared-{secrets.token_hex(6)}@example.org"
    address = f"198.51.100.{secrets.randbelow(254) + 1}"
    first = app_with_tables(make_app, **settings)
    assert [failed_login(first, email, address) for _ in range(5)] == [401] * 5
    assert failed_login(app_with_tables(make_app, **settings), email, address) == 429
