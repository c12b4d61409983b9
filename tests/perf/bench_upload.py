"""Uploading 1 GiB: the app's resident memory, in S3 mode and in local mode.

Run as ``.venv/bin/python tests/perf/bench_upload.py [GiB]`` (default 1). It
starts moto's S3 server, then the app under gunicorn (one sync worker) in each
mode, uploads through the API the way the browser does (4 parts at a time) and
samples the worker's RSS from ``/proc`` before, during and after.

- S3 mode: parts go from this process straight to presigned URLs of the store;
  the app only signs URLs, so its RSS must stay within 10 MiB of the start.
- Local mode: parts go through the app's part endpoint, which streams them to
  disk in 1 MiB chunks; RSS must stay bounded by about one part (5 MiB).

The baseline is taken after one small warm-up upload (imports and connection
pools loaded). Prints a Markdown table and writes tests/perf/results/upload.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests import s3server  # noqa: E402

MiB = 1024 * 1024
RESULTS = ROOT / "tests" / "perf" / "results" / "upload.json"
S3_GOAL_MIB = 10
LOCAL_GOAL_MIB = 5 + 2  # one part, plus a little for the request machinery
PARALLEL = 4
PART = os.urandom(5 * MiB)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def worker_pid(master: int, timeout: float = 20) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


class Sampler(threading.Thread):
    """The highest RSS seen while the upload runs, sampled every 50 ms."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0.0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_mib(self.pid))
            time.sleep(0.05)


def call(base: str, token: str, method: str, path: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=120) as response:
        text = response.read()
    return json.loads(text) if text else None


def part_bytes(number: int, size: int) -> bytes:
    data = PART[:size]
    return b"%PDF-1.7\n" + data[9:] if number == 1 else data


def send_part(base: str, token: str, media_id: int, number: int, size: int) -> dict:
    target = call(base, token, "POST", f"/api/v1/uploads/{media_id}/parts/{number}")
    url = target["url"] if target["url"].startswith("http") else base + target["url"]
    headers = dict(target["headers"])
    if url.startswith(base):
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        url, data=part_bytes(number, size), method="PUT", headers=headers
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        return {"number": number, "etag": response.headers["ETag"].strip('"')}


def upload(base: str, token: str, size: int) -> dict:
    started = call(
        base,
        token,
        "POST",
        "/api/v1/uploads",
        {"filename": "bench.pdf", "content_type": "application/pdf", "size": size},
    )
    media_id, part_size, count = started["media_id"], started["part_size"], started["part_count"]
    sizes = {n: min(part_size, size - (n - 1) * part_size) for n in range(1, count + 1)}
    with ThreadPoolExecutor(PARALLEL) as pool:
        parts = list(pool.map(lambda n: send_part(base, token, media_id, n, sizes[n]), sizes))
    done, retries = complete(base, token, media_id, parts)
    assert done["status"] == "ready" and done["size"] == size, done
    return done | {"complete_retries": retries}


def complete(base: str, token: str, media_id: int, parts: list[dict]) -> tuple[dict, int]:
    """Complete, retrying on 503 as the uploader does.

    moto needs ~17 s to join 1 GiB, longer than the storage layer's 10 s read
    timeout; botocore's retry then collides with the first request and the app
    answers 503. The retry finds the object already joined and finishes it.
    """
    for attempt in range(5):
        try:
            path = f"/api/v1/uploads/{media_id}/complete"
            return call(base, token, "POST", path, {"parts": parts}), attempt
        except urllib.error.HTTPError as error:
            if error.code != 503 or attempt == 4:
                raise
            time.sleep(10)
    raise AssertionError("unreachable")


def prepare(env: dict[str, str]) -> str:
    """Schema, an instructor with an API token, and the bucket; returns the token."""
    script = (
        "from lms import create_app\n"
        "from lms.extensions import db\n"
        "from lms.accounts.models import User\n"
        "from lms.accounts.tokens import issue_api_token\n"
        "from lms.storage import get_storage\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    db.create_all()\n"
        "    user = User(email='bench@example.org', name='Bench', certificate_name='Bench',\n"
        "                password_hash='x', is_instructor=True)\n"
        "    db.session.add(user); db.session.flush()\n"
        "    token, _ = issue_api_token(user, 'bench'); db.session.commit()\n"
        "    get_storage().ensure_bucket(['http://127.0.0.1'])\n"
        "    print(token)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip().splitlines()[-1]


def run_mode(mode: str, size: int, moto: s3server.S3Server, workdir: Path) -> dict:
    port = s3server.free_port()
    env = {
        **os.environ,
        **s3server.MOTO_ENV,
        "LMS_INSTANCE_PATH": str(workdir / mode),
        "LMS_STORAGE": mode,
        "LMS_DATABASE_URL": f"sqlite:///{workdir / f'{mode}.db'}",
        "LMS_MEDIA_DIR": str(workdir / mode / "media"),
        "LMS_S3_BUCKET": s3server.unique_bucket("bench"),
        "LMS_S3_ENDPOINT_URL": moto.endpoint_url,
        "LMS_MAX_UPLOAD_BYTES": str(8 * 1024**3),
    }
    token = prepare(env)
    gunicorn = [
        sys.executable,
        "-m",
        "gunicorn",
        "-w",
        "1",
        "-b",
        f"127.0.0.1:{port}",
        "--timeout",
        "300",
        "--log-level",
        "warning",
        "wsgi:app",
    ]
    server = subprocess.Popen(gunicorn, env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        pid = worker_pid(server.pid)
        wait_for(base + "/healthz")
        cold = rss_mib(pid)
        upload(base, token, 6 * MiB)  # warm-up: imports, pools, the first queries
        before = rss_mib(pid)
        sampler = Sampler(pid)
        sampler.start()
        began = time.monotonic()
        try:
            done = upload(base, token, size)
        finally:
            sampler.running = False
            sampler.join()
        seconds = time.monotonic() - began
        after = rss_mib(pid)
    finally:
        server.terminate()
        server.wait(30)
    goal = S3_GOAL_MIB if mode == "s3" else LOCAL_GOAL_MIB
    growth = max(sampler.peak, after) - before
    return {
        "mode": mode,
        "bytes": size,
        "seconds": round(seconds, 1),
        "mib_per_second": round(size / MiB / seconds, 1),
        "rss_cold_mib": round(cold, 1),
        "rss_before_mib": round(before, 1),
        "rss_peak_mib": round(sampler.peak, 1),
        "rss_after_mib": round(after, 1),
        "rss_growth_mib": round(growth, 1),
        "goal_mib": goal,
        "ok": growth <= goal,
        "complete_retries": done["complete_retries"],
    }


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def table(rows: list[dict]) -> str:
    lines = [
        "| mode | size | time | throughput | RSS before | peak | after | growth | goal |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['mode']} | {r['bytes'] / 1024**3:.2f} GiB | {r['seconds']} s | "
            f"{r['mib_per_second']} MiB/s | {r['rss_before_mib']} MiB | {r['rss_peak_mib']} MiB | "
            f"{r['rss_after_mib']} MiB | {r['rss_growth_mib']} MiB | "
            f"≤ {r['goal_mib']} MiB {'✔' if r['ok'] else '✘'} |"
        )
    return "\n".join(lines)


def main() -> int:
    size = int(float(sys.argv[1] if len(sys.argv) > 1 else 1) * 1024**3)
    with tempfile.TemporaryDirectory(prefix="bench-upload-") as tmp, s3server.moto_credentials():
        moto = s3server.start_moto()
        try:
            rows = [run_mode(mode, size, moto, Path(tmp)) for mode in ("s3", "local")]
        finally:
            s3server.stop(moto)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"runs": rows}, indent=2) + "\n", encoding="utf-8")
    print(table(rows))
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
