"""Video renditions: transcoding speed, and what HLS playlists cost the app.

Run as ``.venv/bin/python tests/perf/bench_media.py [transcode|playlists|all]``.

- transcode: a 60 s 1280x720 30 fps test video (ffmpeg's ``testsrc2`` picture, a
  tone) made into the full ladder (240p, 360p, 720p, audio-only, ``audio.m4a``,
  poster) with the production preset (``veryfast``). Reports seconds of video per
  CPU second of ffmpeg ("× real time per core"; the goal is ≥ 1) and wall-clock speed.
- playlists: gunicorn (2 sync workers, production settings, S3 mode on moto) serving
  the master playlist and a 1-hour variant playlist (600 presigned segments) against
  ``/healthz`` with wrk, admin API token; the goal is playlists ≥ 30 % of ``/healthz``.
  Also the time to write the 1-hour presigned playlist in-process (goal ≤ 50 ms).

Prints a Markdown table and writes tests/perf/results/media.json.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests import s3server  # noqa: E402
from tests.perf.harness import Server, run_wrk  # noqa: E402

RESULTS = ROOT / "tests" / "perf" / "results" / "media.json"
HOUR_SEGMENTS = 600


def transcode_speed(seconds: int = 60) -> dict:
    import subprocess

    from lms.media import transcode

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "source.mp4"
        subprocess.run(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
             "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
             "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
             "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
             "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", str(source)],
            check=True)
        out = Path(folder) / "out"
        out.mkdir()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        _info, variants = transcode.make_renditions(source, out, preset="veryfast")
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"video_seconds": seconds, "variants": [v.name for v in variants],
            "cpu_seconds": round(cpu, 2), "wall_seconds": round(wall, 2),
            "x_real_time_per_core": round(seconds / cpu, 2),
            "x_real_time_wall": round(seconds / wall, 2), "cores": os.cpu_count()}


def hour_playlist() -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:6", "#EXT-X-TARGETDURATION:6", "#EXT-X-MEDIA-SEQUENCE:0",
             "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for n in range(HOUR_SEGMENTS):
        lines += ["#EXTINF:6.000000,", f"seg_{n:04d}.ts"]
    return "\n".join([*lines, "#EXT-X-ENDLIST"]) + "\n"


def seed(database_url: str, s3: dict[str, str]) -> tuple[int, str]:
    """An admin with an API token and a ready 1-hour video with its renditions."""
    from lms import create_app
    from lms.accounts.models import User
    from lms.accounts.tokens import issue_api_token
    from lms.extensions import db
    from lms.media.models import MediaAsset, MediaRendition
    from lms.storage import new_key

    app = create_app("production", SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY="bench",
                     ALLOW_SQLITE=True, **s3)
    with app.app_context():
        db.create_all()
        admin = User(email="staff@example.org", name="Staff", certificate_name="Staff",
                     password_hash="x", is_instructor=True, is_admin=True)
        db.session.add(admin)
        db.session.flush()
        key = new_key()
        media = MediaAsset(storage_backend="s3", storage_key=key, original_name="hour.mp4",
                           content_type="video/mp4", kind="video", size=1, status="ready",
                           duration_seconds=3600.0, renditions_status="ready")
        db.session.add(media)
        db.session.flush()
        prefix = media.rendition_prefix
        for name, height, rate in (("240p", 240, 214_000), ("360p", 360, 664_000),
                                   ("720p", 720, 2_264_000)):
            db.session.add(MediaRendition(media_id=media.id, kind="hls", name=name,
                                          height=height, width=height * 16 // 9, bitrate=rate,
                                          codecs="avc1.4d401f,mp4a.40.2", size=0,
                                          storage_key=f"{prefix}/{name}/index.m3u8",
                                          playlist=hour_playlist()))
        db.session.add(MediaRendition(media_id=media.id, kind="audio", name="audio",
                                      bitrate=64_000, codecs="mp4a.40.2", size=0,
                                      storage_key=f"{prefix}/audio/index.m3u8",
                                      playlist=hour_playlist()))
        token, _ = issue_api_token(admin, "bench")
        db.session.commit()
        return media.id, token


def presign_time(database_url: str, s3: dict[str, str], media_id: int, runs: int = 50) -> dict:
    """Writing (and signing) the 1-hour variant playlist in-process: median and worst."""
    from lms import create_app, memo
    from lms.extensions import db
    from lms.media import streaming
    from lms.media.models import MediaAsset

    app = create_app("production", SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY="bench",
                     ALLOW_SQLITE=True, **s3)
    times = []
    with app.app_context():
        asset = db.session.get(MediaAsset, media_id)
        streaming.variant_playlist(asset, "240p", str)  # builds the signer once
        for _ in range(runs):
            memo.clear_all()  # written afresh each time, not the copy kept for reuse
            started = time.perf_counter()
            text = streaming.variant_playlist(asset, "240p", str)
            times.append((time.perf_counter() - started) * 1000)
    assert text.count("X-Amz-Signature=") == HOUR_SEGMENTS
    return {"median_ms": round(statistics.median(times), 2), "max_ms": round(max(times), 2)}


def playlists(seconds: int = 5) -> dict:
    server_s3 = s3server.start_moto()
    try:
        with tempfile.TemporaryDirectory() as folder, s3server.moto_credentials():
            database_url = f"sqlite:///{folder}/bench.db"
            s3 = {"STORAGE": "s3", "S3_BUCKET": "bench-media",
                  "S3_ENDPOINT_URL": server_s3.endpoint_url, "S3_REGION": server_s3.region}
            media_id, token = seed(database_url, s3)
            signing = presign_time(database_url, s3, media_id)
            env = {"LMS_STORAGE": "s3", "LMS_S3_BUCKET": "bench-media",
                   "LMS_S3_ENDPOINT_URL": server_s3.endpoint_url,
                   "LMS_S3_REGION": server_s3.region, **{k: v for k, v in os.environ.items()
                                                         if k.startswith("AWS_")}}
            headers = {"Authorization": f"Bearer {token}"}
            with Server(database_url, Path(folder) / "gunicorn.log", env=env) as server:
                base = f"{server.url}/api/v1/media/{media_id}"
                results = {}
                for name, url, auth in (("healthz", f"{server.url}/healthz", {}),
                                        ("master", f"{base}/hls.m3u8", headers),
                                        ("variant_1h", f"{base}/hls/240p/index.m3u8", headers)):
                    run_wrk(url, 1, auth)  # warm-up
                    result = run_wrk(url, seconds, auth)
                    results[name] = {"rps": result.rps, "p50_ms": result.p50_ms,
                                     "p99_ms": result.p99_ms, "errors": result.errors}
    finally:
        s3server.stop(server_s3)
    ceiling = results["healthz"]["rps"]
    for name in ("master", "variant_1h"):
        results[name]["vs_healthz"] = round(results[name]["rps"] / ceiling, 3)
    return {"requests": results, "presign_1h_playlist": signing}


def main() -> None:
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    report: dict = {}
    if which in ("transcode", "all"):
        report["transcode"] = transcode_speed()
    if which in ("playlists", "all"):
        report["playlists"] = playlists()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2))
    print("| measure | figure |\n|---|---|")
    if "transcode" in report:
        t = report["transcode"]
        print(f"| transcode 720p ladder, × real time per core | {t['x_real_time_per_core']} |")
        print(f"| transcode 720p ladder, × real time (wall, {t['cores']} cores) | "
              f"{t['x_real_time_wall']} |")
    if "playlists" in report:
        p = report["playlists"]
        for name, row in p["requests"].items():
            share = f", {row['vs_healthz']:.0%} of /healthz" if "vs_healthz" in row else ""
            print(f"| {name}: req/s (p50 ms) | {row['rps']:.0f} ({row['p50_ms']:.1f}){share} |")
        s = p["presign_1h_playlist"]
        print(f"| 1-hour presigned playlist, in-process | {s['median_ms']} ms median, "
              f"{s['max_ms']} ms worst |")


if __name__ == "__main__":
    main()
