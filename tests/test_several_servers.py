"""Two app servers behind one load balancer: whichever answers, members see one site.

Two real gunicorn processes on different ports share one database (a fresh
PostgreSQL database when ``LMS_TEST_DATABASE_URL`` is set, else a SQLite file),
one Redis for rate limits (under a key prefix of this run's own) and one secret
key. Nothing is mocked: requests go over HTTP with ``requests``, each test from a
client address of its own (``X-Forwarded-For``, as a load balancer sends it).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import redis
import requests
from sqlalchemy import create_engine, func, select, update

from tests.databases import fresh_database
from tests.factories import PASSWORD, csrf_from
from tests.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/0"
GUNICORN = Path(sys.executable).parent / "gunicorn"
#: A published course shows in every server's anonymous catalog within this long.
VISIBLE_WITHIN = 1.0


def redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


#: "Within a second" is timing-sensitive: CI runs these alone, after the parallel run.
pytestmark = [pytest.mark.serial,
              pytest.mark.skipif(not redis_answers(), reason="no Redis server at 127.0.0.1:6379")]


@dataclass
class Site:
    """The two servers' base URLs and the rows the tests use."""

    a: str
    b: str
    member_email: str
    member_name: str
    #: A member whose profile a test changes.
    editor_email: str
    instructor_token: str
    draft_course_id: int
    draft_course_title: str
    #: A published course older than another published one.
    older_course_id: int


@pytest.fixture(scope="module")
def database_url(tmp_path_factory) -> Iterator[str]:
    """A database of this module's own, dropped afterwards."""
    with fresh_database(tmp_path_factory.mktemp("servers") / "lms.db", "lms_servers") as url:
        yield url


@pytest.fixture(scope="module")
def namespace() -> Iterator[str]:
    """This run's Redis key prefix for rate limits; its keys are deleted afterwards."""
    name = f"lms-test-servers-{secrets.token_hex(6)}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{name}:*"))
    if keys:
        client.delete(*keys)
    client.close()


def prepare(database_url: str, instance: Path) -> dict:
    """Create the tables and the rows the tests need, from this process."""
    from lms import create_app
    from lms.extensions import db
    from tests.factories import make_course, make_user

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LMS_INSTANCE_PATH", str(instance))
        app = create_app("test", SQLALCHEMY_DATABASE_URI=database_url,
                         MEDIA_DIR=str(instance / "media"))
    with app.app_context():
        db.create_all()
        member = make_user()
        editor = make_user()
        instructor = make_user(role="instructor")
        course = make_course(instructors=[instructor], status="draft", modules=1,
                             items_per_module=1, title=f"Shared course {secrets.token_hex(4)}")
        older = make_course(title="Older course", modules=1, items_per_module=1)
        make_course(title="Newer course", modules=1, items_per_module=1)
        rows = {"older_course_id": older.id,
                "member_email": member.email, "member_name": member.name,
                "editor_email": editor.email, "instructor_email": instructor.email,
                "draft_course_id": course.id, "draft_course_title": course.title}
        db.session.remove()
        db.engine.dispose()
    return rows


def server_env(database_url: str, namespace: str, instance: Path) -> dict[str, str]:
    """The same settings for both servers; no ``LMS_*`` variable of the test run leaks in."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("LMS_")}
    env.update({
        "LMS_DATABASE_URL": database_url,
        "LMS_RATELIMIT_STORAGE_URI": REDIS_URL,
        "LMS_RATELIMIT_NAMESPACE": namespace,
        "LMS_SECRET_KEY": secrets.token_hex(32),
        "LMS_INSTANCE_PATH": str(instance),
        "LMS_MEDIA_DIR": str(instance / "media"),
        "LMS_BASE_URL": "http://127.0.0.1",
        "LMS_PROXY_COUNT": "1",
    })
    return env


def start(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(GUNICORN), "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def wait_healthy(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if requests.get(url + "/healthz", timeout=2).ok:
                return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn at {url} did not start:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    """Stop gunicorn's master and worker (their process group)."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


@pytest.fixture(scope="module")
def site(database_url, namespace, tmp_path_factory) -> Iterator[Site]:
    instance = tmp_path_factory.mktemp("servers-instance")
    env = server_env(database_url, namespace, instance)
    ports = [free_port(), free_port()]
    logs = [instance / f"gunicorn-{port}.log" for port in ports]
    processes: list[subprocess.Popen] = []
    try:
        for port, log in zip(ports, logs, strict=True):
            processes.append(start(port, env, log))
        rows = prepare(database_url, instance)  # while the servers start
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, process, log in zip(urls, processes, logs, strict=True):
            wait_healthy(url, process, log)
        token = requests.post(urls[0] + "/api/v1/tokens", timeout=10, json={
            "email": rows["instructor_email"], "password": PASSWORD}).json()["token"]
        yield Site(a=urls[0], b=urls[1], member_email=rows["member_email"],
                   member_name=rows["member_name"], editor_email=rows["editor_email"],
                   instructor_token=token, draft_course_id=rows["draft_course_id"],
                   draft_course_title=rows["draft_course_title"],
                   older_course_id=rows["older_course_id"])
    finally:
        for process in processes:
            stop(process)


def client() -> requests.Session:
    """A browser of its own, at a client address of its own."""
    http = requests.Session()
    http.headers["X-Forwarded-For"] = f"198.51.100.{secrets.randbelow(254) + 1}"
    return http


def login_form(http: requests.Session, base: str, email: str, password: str
               ) -> requests.Response:
    page = http.get(base + "/login", timeout=10)
    return http.post(base + "/login", timeout=10, allow_redirects=False, data={
        "email": email, "password": password, "csrf_token": csrf_from(page.text)})


def test_failed_logins_over_both_servers_are_limited_together(site):
    servers = [site.a, site.b] * 3
    email = f"nobody-{secrets.token_hex(4)}@example.org"
    browser = client()
    statuses = [login_form(browser, base, email, "not the password").status_code
                for base in servers]
    assert statuses == [401] * 5 + [429]


def seconds_until(shown: Callable[[], bool]) -> float:
    """How long after now a request first finds ``shown()`` true (polled every 20 ms)."""
    done = time.monotonic()
    while True:
        asked = time.monotonic()
        if shown():
            return asked - done
        assert asked - done < VISIBLE_WITHIN + 1, "never shown"
        time.sleep(0.02)


def anonymous_catalogs(site: Site) -> list[str]:
    return [requests.get(base + "/courses", timeout=10).text for base in (site.a, site.b)]


def test_a_course_published_on_one_shows_in_the_others_catalog_within_a_second(site):
    assert all(site.draft_course_title not in page for page in anonymous_catalogs(site))
    assert all(site.draft_course_title not in page for page in anonymous_catalogs(site))
    published = requests.post(
        f"{site.a}/api/v1/courses/{site.draft_course_id}/publish", timeout=10,
        headers={"Authorization": f"Bearer {site.instructor_token}"})
    assert published.status_code == 200, published.text
    assert seconds_until(lambda: all(
        site.draft_course_title in page for page in anonymous_catalogs(site))) <= VISIBLE_WITHIN


def test_a_change_stamped_by_a_clock_behind_still_shows_within_a_second(site, database_url):
    """A server whose clock runs a minute behind renames a course: its ``updated_at`` is
    older than the newest course's, and every catalog still shows the new title."""
    from lms.catalog.models import Course

    anonymous_catalogs(site)
    anonymous_catalogs(site)  # kept in both servers' page caches
    title = f"Renamed course {secrets.token_hex(4)}"
    engine = create_engine(database_url)
    with engine.begin() as conn:
        newest = conn.scalar(select(func.max(Course.updated_at)))
        conn.execute(update(Course).where(Course.id == site.older_course_id).values(
            title=title, updated_at=newest - timedelta(minutes=1)))
    engine.dispose()
    assert seconds_until(lambda: all(
        title in page for page in anonymous_catalogs(site))) <= VISIBLE_WITHIN


def test_a_session_cookie_from_one_works_on_the_other(site):
    on_a = client()
    assert login_form(on_a, site.a, site.member_email, PASSWORD).status_code == 302
    on_b = client()
    on_b.cookies.set("session", on_a.cookies["session"])
    profile = on_b.get(site.b + "/profile", timeout=10, allow_redirects=False)
    assert profile.status_code == 200
    assert f'value="{site.member_name}"' in profile.text


def test_a_csrf_token_from_ones_form_is_accepted_by_the_other(site):
    http = client()
    assert login_form(http, site.a, site.editor_email, PASSWORD).status_code == 302
    token = csrf_from(http.get(site.a + "/profile", timeout=10).text)
    name = f"Renamed {secrets.token_hex(3)}"
    refused = http.post(site.b + "/profile", timeout=10, allow_redirects=False,
                        data={"name": name, "csrf_token": "forged"})
    assert refused.status_code == 400
    saved = http.post(site.b + "/profile", timeout=10, allow_redirects=False,
                      data={"name": name, "csrf_token": token})
    assert saved.status_code == 302
    assert name in http.get(site.a + "/profile", timeout=10).text


def test_revoking_a_token_on_one_refuses_it_on_the_other_at_once(site):
    http = client()
    issued = http.post(site.a + "/api/v1/tokens", timeout=10, json={
        "email": site.member_email, "password": PASSWORD}).json()
    http.headers["Authorization"] = f"Bearer {issued['token']}"
    assert http.get(site.b + "/api/v1/me", timeout=10).status_code == 200
    assert http.delete(f"{site.a}/api/v1/tokens/{issued['id']}", timeout=10).status_code == 204
    assert http.get(site.b + "/api/v1/me", timeout=10).status_code == 401

