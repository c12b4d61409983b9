"""The benchmark's moving parts: a gunicorn server, a logged-in session, and wrk.

Server CPU is read from ``/proc`` (master and workers, user + system time), so a
request's CPU cost is measured where it is spent, not guessed from wall time.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
USER_AGENT = "lms-perf-runner"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
WORKERS = 2


class Server:
    """``gunicorn`` with 2 sync workers (or ``workers``) and the production settings, on a
    loopback port; ``env`` adds or replaces environment variables (a shared secret key,
    a broker)."""

    def __init__(self, database_url: str, log_path: Path, *, workers: int = WORKERS,
                 env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.workers = workers
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {**os.environ, "LMS_ENV": "production", "LMS_DATABASE_URL": database_url,
                    "LMS_SECRET_KEY": "perf-" + os.urandom(16).hex(), "LMS_ALLOW_SQLITE": "1",
                    "LMS_SECURE_COOKIES": "0", "LMS_PERF_COUNT_QUERIES": "1",
                    "LMS_CREDENTIAL_KEY_CREATE": "1",
                    "LMS_INSTANCE_PATH": str(log_path.parent / "instance"), **(env or {})}
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        command = [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(self.workers),
                   "--worker-class", "sync", "--bind", f"127.0.0.1:{self.port}",
                   "--chdir", str(ROOT), "--error-logfile", str(self.log_path),
                   "tests.perf.perfapp:app"]
        # The app's own log lines (one JSON access line per request) go to the log file too,
        # as to a file or journald in production, not to the terminal running the benchmark.
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, env=self.env, cwd=ROOT, stdout=log,
                                            stderr=log)
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=5).ok:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer on {self.url}; see {self.log_path}")

    def cpu_seconds(self) -> float:
        """User + system CPU of the master and its workers so far."""
        pids = [self.process.pid, *_children(self.process.pid)]
        return sum(_cpu_ticks(pid) for pid in pids) / CLOCK_TICKS


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)


def login(base_url: str, email: str, password: str) -> str:
    """Log in through the HTML form (with its CSRF token); returns the session cookie value."""
    http = requests.Session()
    http.headers["User-Agent"] = USER_AGENT
    page = http.get(base_url + "/login", timeout=10)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    if token is None:
        raise RuntimeError("no CSRF token on the login page")
    answer = http.post(base_url + "/login", timeout=30, allow_redirects=False, data={
        "email": email, "password": password, "csrf_token": token.group(1)})
    if answer.status_code != 302 or "session" not in http.cookies:
        raise RuntimeError(f"login failed with {answer.status_code}")
    return http.cookies["session"]


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


LUA = """
local tokens = {%(tokens)s}
local body = %(body)s
local counter = 1
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
-- Every request is formatted once, in init: wrk shares the 2 cores with the server,
-- so the load generator should spend as little as it can per request.
function init(args)
  n = id * 7919
  prepared = {}
  for i = 1, math.max(#tokens, 1) do
    local headers = {["Content-Type"] = "application/json",
                     ["User-Agent"] = "%(agent)s"}
    if #tokens > 0 then
      headers["Authorization"] = "Bearer " .. tokens[i]
    end
    prepared[i] = wrk.format("%(method)s", nil, headers, body)
  end
end
function request()
  n = n + 1
  return prepared[(n %% #prepared) + 1]
end
"""


def lua_script(method: str, body: str | None, tokens: list[str]) -> str:
    quoted = ", ".join(f'"{token}"' for token in tokens)
    body_literal = "nil" if body is None else "[==[" + body + "]==]"
    return LUA % {"tokens": quoted, "body": body_literal, "method": method,
                  "agent": USER_AGENT}


def run_wrk(url: str, seconds: int, headers: dict[str, str], script: str | None = None,
            threads: int = 2, connections: int = 8) -> WrkResult:
    """One wrk run; ``script`` is Lua source (for POSTs and rotating tokens)."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
               "--timeout", "30s",
               "-H", f"User-Agent: {USER_AGENT}"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        if script:
            lua.write(script)
            lua.flush()
            command += ["-s", lua.name]
        output = subprocess.run([*command, url], capture_output=True, text=True, check=True,
                                timeout=seconds + 60).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> WrkResult:
    done = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", output)
    seconds = float(done.group(2)) * {"ms": 0.001, "s": 1, "m": 60}[done.group(3)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                              r"timeout (\d+)", output)
    failed = int(errors.group(1)) if errors else 0
    if socket_errors:
        failed += sum(int(n) for n in socket_errors.groups())
    return WrkResult(requests=int(done.group(1)), seconds=seconds,
                     rps=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
                     p50_ms=_latency(output, "50"), p99_ms=_latency(output, "99"),
                     errors=failed)


def _latency(output: str, percentile: str) -> float:
    match = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    value, unit = float(match.group(1)), match.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
