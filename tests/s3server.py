"""A real S3-compatible server for tests: moto's standalone server in a subprocess.

Plain functions and one context manager, so ``tests/conftest.py`` can wrap them
in a session fixture::

    @pytest.fixture(scope="session")
    def s3_server():
        with s3server.running() as server:
            yield server

Set ``LMS_TEST_S3_ENDPOINT_URL`` (with real credentials in the usual AWS
variables) to test against another endpoint, e.g. MinIO; then nothing is started.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.ports import free_port

ENDPOINT_ENV = "LMS_TEST_S3_ENDPOINT_URL"
REGION = "us-east-1"
MOTO_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
}
#: Dropped while moto runs, so no real credentials or profile leak into tests.
MOTO_UNSET = ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE")


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    region: str = REGION
    #: The moto process we started; None for an external endpoint.
    process: subprocess.Popen[bytes] | None = None
    #: moto's output, kept until ``stop`` to explain a failed start.
    log_path: Path | None = None

    @property
    def is_moto(self) -> bool:
        return self.process is not None


def start_moto(port: int | None = None, timeout: float = 30.0) -> S3Server:
    """Start ``python -m moto.server`` on loopback and wait until it answers HTTP."""
    port = port or free_port()
    log = tempfile.NamedTemporaryFile(prefix="moto-", suffix=".log", delete=False)  # noqa: SIM115
    env = {**_without(os.environ, MOTO_UNSET), **MOTO_ENV}
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    log.close()
    server = S3Server(f"http://127.0.0.1:{port}", process=process, log_path=Path(log.name))
    try:
        _wait_until_up(server, timeout)
    except BaseException:
        stop(server)
        raise
    return server


def stop(server: S3Server, timeout: float = 10.0) -> None:
    """Stop a moto process we started; external endpoints are left alone."""
    if server.process is not None and server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout)
    if server.log_path is not None:
        server.log_path.unlink(missing_ok=True)


@contextmanager
def moto_credentials() -> Iterator[None]:
    """Set moto's fake credentials in this process, restoring the environment after."""
    saved = {name: os.environ.get(name) for name in (*MOTO_ENV, *MOTO_UNSET)}
    os.environ.update(MOTO_ENV)
    for name in MOTO_UNSET:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def running() -> Iterator[S3Server]:
    """An S3 endpoint for the duration: ``LMS_TEST_S3_ENDPOINT_URL`` or a fresh moto."""
    external = os.environ.get(ENDPOINT_ENV)
    if external:
        yield S3Server(external, region=os.environ.get("AWS_DEFAULT_REGION", REGION))
        return
    with moto_credentials():
        server = start_moto()
        try:
            yield server
        finally:
            stop(server)


def unique_bucket(prefix: str = "lms-test") -> str:
    """A bucket name no other test uses, so tests sharing one server stay independent."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def reset_moto(server: S3Server) -> None:
    """Forget every bucket and object (moto only; a no-op for external endpoints)."""
    if server.is_moto:
        request = urllib.request.Request(f"{server.endpoint_url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=5).close()


def _wait_until_up(server: S3Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process is not None and server.process.poll() is not None:
            raise RuntimeError(f"moto server exited:\n{_log_text(server)}")
        if _answers(server.endpoint_url):
            return
        time.sleep(0.1)
    raise RuntimeError(f"moto server did not answer within {timeout}s:\n{_log_text(server)}")


def _log_text(server: S3Server) -> str:
    return server.log_path.read_text(errors="replace") if server.log_path else ""


def _answers(endpoint_url: str) -> bool:
    try:
        urllib.request.urlopen(f"{endpoint_url}/moto-api/", timeout=1).close()
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def _without(environ: Mapping[str, str], names: tuple[str, ...]) -> dict[str, str]:
    return {name: value for name, value in environ.items() if name not in names}
