"""``flask lms storage init | check | gc`` against both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lms.extensions import db
from lms.media.models import MediaAsset
from lms.storage import new_key
from tests.media.uploads import MiB, pdf_bytes, send_parts, start


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["lms", "storage", *args])


def test_check_reports_a_working_store(app, backend):
    result = run(app, "check")

    assert result.exit_code == 0, result.output
    assert "reachable and writable" in result.output


def test_check_exits_1_when_the_store_is_down(app, dead_store):
    result = run(app, "check")

    assert result.exit_code == 1
    assert "NOT reachable" in result.output


def test_init_creates_the_bucket_with_cors_for_the_site(app, s3_backend, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://learn.example.org/lms")
    s3_backend.client.delete_bucket_cors(Bucket=s3_backend.bucket)

    result = run(app, "init")

    assert result.exit_code == 0, result.output
    rules = s3_backend.client.get_bucket_cors(Bucket=s3_backend.bucket)["CORSRules"]
    assert rules[0]["AllowedOrigins"] == ["https://learn.example.org"]
    assert "PUT" in rules[0]["AllowedMethods"]
    assert rules[0]["ExposeHeaders"] == ["ETag"]


def age(media_id: int, days: int) -> None:
    asset = db.session.get(MediaAsset, media_id)
    asset.created_at = datetime.now(UTC) - timedelta(days=days)
    db.session.commit()


def test_gc_removes_stale_pending_uploads(app, client, backend, teacher):
    data = pdf_bytes(6 * MiB)
    stale = start(client, teacher, len(data)).get_json()["media_id"]
    send_parts(client, teacher, stale, data, 5 * MiB, numbers=[1])
    fresh = start(client, teacher, len(data)).get_json()["media_id"]
    age(stale, days=2)
    stale_key = db.session.get(MediaAsset, stale).storage_key
    orphan_key = new_key("media")
    backend.create_multipart(orphan_key, "application/pdf")
    # moto reports every upload as initiated in 2010, so there the orphan is already stale.
    day_ago = datetime.now(UTC) - timedelta(days=1)
    old_orphans = [u for u in backend.list_multipart_uploads(day_ago) if u.key == orphan_key]

    dry = run(app, "gc", "--dry-run")

    assert dry.exit_code == 0, dry.output
    assert f"would remove pending upload {stale} 'slides.pdf'" in dry.output
    assert f"pending upload {fresh} " not in dry.output
    assert f"dry run: 1 pending upload(s), {len(old_orphans)} orphaned" in dry.output
    db.session.expire_all()
    assert db.session.get(MediaAsset, stale) is not None

    real = run(app, "gc")

    assert real.exit_code == 0, real.output
    assert f"removed pending upload {stale} " in real.output
    db.session.expire_all()
    assert db.session.get(MediaAsset, stale) is None
    assert db.session.get(MediaAsset, fresh).status == "pending"
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert stale_key not in {u.key for u in backend.list_multipart_uploads(later)}

    orphans = run(app, "gc", "--hours", "0")

    assert "aborted multipart upload" in (real.output + orphans.output)
    assert orphan_key in real.output + orphans.output
    assert orphan_key not in {u.key for u in backend.list_multipart_uploads(later)}


def test_gc_keeps_renditions_of_media_and_removes_those_left_without_one(app, app_ctx, backend):
    import io

    from tests.factories import make_media

    media = make_media(storage_key=new_key(), renditions_status="ready")
    kept = f"{media.rendition_prefix}/240p/seg_0000.ts"
    left = f"{new_key().rsplit('/', 1)[0]}/r/240p/seg_0000.ts"  # its media was deleted
    for key in (media.storage_key, kept, left):
        backend.save(key, io.BytesIO(b"\x47" * 188), "video/mp2t")

    dry = run(app, "gc", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert left in dry.output and kept not in dry.output
    assert backend.head(left) is not None

    real = run(app, "gc")
    assert "1 orphaned rendition file(s)" in real.output
    assert backend.head(left) is None
    assert backend.head(kept) is not None and backend.head(media.storage_key) is not None
