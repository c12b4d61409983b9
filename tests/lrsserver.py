"""A real Learning Record Store for tests: Ralph (``ralph-malph``) with its file backend.

Ralph pins click, FastAPI and bcrypt at versions the app's own environment cannot
share (Flask needs a newer click), so it lives in a virtual environment of its own,
made on first use under ``~/.cache/core-learning/`` (``LMS_TEST_RALPH_VENV`` names
another place). ``.ci/run`` makes it ahead with ``python -m tests.lrsserver``.

:class:`Ralph` runs Ralph's API (``ralph.api:app`` under uvicorn, see LAUNCH) on a
loopback port with one Basic-auth user (Ralph's auth file), storing statements as
JSON lines in a folder of its own;
``stop`` and ``start`` again on the same port and folder simulate an outage.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.ports import free_port

RALPH_REQUIREMENT = "ralph-malph[cli,lrs]==5.1.0"
#: Ralph's OIDC module imports requests without declaring it.
EXTRA_REQUIREMENTS = ("requests>=2.31",)
VENV = Path(os.environ.get("LMS_TEST_RALPH_VENV")
            or Path.home() / ".cache" / "core-learning" / "ralph-malph-5.1.0")
USERNAME, PASSWORD = "lms-forwarder", "lrs-test-password"
#: Run in Ralph's Python: its API as released, with one change. Ralph 5.1.0's file
#: backend writes each POST with operation "create", which refuses to touch the
#: statements file once it exists, so every POST after the first answers 500. Appending
#: is what an LRS's store does; deduplication, conflicts and validation stay Ralph's own.
LAUNCH = """
import sys
import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="info")
"""


def ralph_python() -> Path:
    """The Python of Ralph's virtual environment, made (once) if it is missing."""
    python = VENV / "bin" / "python"
    ready = VENV / ".installed"
    if not ready.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", RALPH_REQUIREMENT,
                        *EXTRA_REQUIREMENTS], check=True)
        ready.touch()
    return python


class Ralph:
    """One Ralph LRS process on a loopback port; its statements survive a restart."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="ralph-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/xAPI/"
        self.process: subprocess.Popen[bytes] | None = None
        self._env = self._environment()
        self._write_auth_file()

    def _environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("RALPH_")}
        env.update({
            "RALPH_APP_DIR": str(self.folder / "app"),
            "RALPH_AUTH_FILE": str(self.folder / "auth.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.folder / "data"),
            "RALPH_RUNSERVER_MAX_SEARCH_HITS_COUNT": "1000",
        })
        (self.folder / "data").mkdir()
        return env

    def _write_auth_file(self) -> None:
        subprocess.run(
            [str(ralph_python().parent / "ralph"), "auth", "-u", USERNAME, "-p", PASSWORD,
             "-s", "all", "-M", "mailto:lrs-forwarder@example.org", "-w"],
            env=self._env, check=True, capture_output=True)

    def start(self, timeout: float = 30) -> None:
        log = open(self.folder / "ralph.log", "ab")  # noqa: SIM115  (the process writes to it)
        self.process = subprocess.Popen(
            [str(ralph_python()), "-c", LAUNCH, str(self.port)],
            env=self._env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._answers():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Ralph did not start:\n{self.log()[-2000:]}")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/__heartbeat__",
                                        timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.process = None

    def log(self) -> str:
        path = self.folder / "ralph.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def statements(self) -> list[dict]:
        """Every statement Ralph stored, in the order it stored them (GET /statements)."""
        request = urllib.request.Request(
            self.url + "statements?limit=1000",
            headers={"X-Experience-API-Version": "1.0.3", "Authorization": _basic()})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)["statements"]

    def clear(self) -> None:
        """Forget every statement (between tests sharing one server)."""
        for path in (self.folder / "data").glob("*"):
            path.unlink()


def _basic() -> str:
    import base64

    return "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()


if __name__ == "__main__":
    print(ralph_python())
