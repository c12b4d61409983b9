"""``flask lms storage init | check | gc``: the object store, from the command line."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from lms.errors import DomainError
from lms.extensions import db, utcnow
from lms.media import uploads
from lms.media.models import MediaAsset
from lms.storage import Storage, StorageError, get_storage

storage_group = AppGroup("storage", help="The media store: create, check, clean up.")


def register(group: AppGroup) -> None:
    group.add_command(storage_group)


def site_origin() -> str:
    """The origin browsers upload from: scheme://host[:port] of ``BASE_URL``."""
    parts = urlsplit(current_app.config["BASE_URL"])
    return f"{parts.scheme}://{parts.netloc}"


def describe(storage: Storage) -> str:
    where = getattr(storage, "bucket", None) or getattr(storage, "root", "")
    return f"{storage.name} ({where})"


@storage_group.command("init")
def init_command() -> None:
    """Create the bucket (or folder) and the CORS rule browsers need for direct PUTs."""
    storage = get_storage()
    origin = site_origin()
    try:
        storage.ensure_bucket([origin])
    except StorageError as exc:
        raise click.ClickException(f"storage {describe(storage)}: {exc}") from exc
    click.echo(
        f"storage {describe(storage)}: ready; browsers at {origin} may PUT parts "
        "and read the ETag header"
    )


@storage_group.command("check")
def check_command() -> None:
    """Write, read back and delete a probe object; exit 1 unless that works."""
    storage = get_storage()
    try:
        storage.check()
    except StorageError as exc:
        click.echo(f"storage {describe(storage)}: NOT reachable or not writable: {exc}", err=True)
        raise SystemExit(1) from exc
    click.echo(f"storage {describe(storage)}: reachable and writable")


@storage_group.command("gc")
@click.option("--dry-run", is_flag=True, help="Only print what would be removed.")
@click.option("--hours", default=24, show_default=True, help="Age of uploads to remove.")
def gc_command(dry_run: bool, hours: int) -> None:
    """Remove pending uploads older than a day and abort orphaned multipart uploads."""
    cutoff = utcnow() - timedelta(hours=hours)
    verb = "would remove" if dry_run else "removed"
    try:
        removed = collect_pending(cutoff, dry_run)
        aborted = abort_orphans(cutoff, dry_run)
        leftovers = orphan_renditions(dry_run)
    except (StorageError, DomainError) as exc:
        db.session.rollback()
        raise click.ClickException(f"storage gc stopped: {exc}") from exc
    if not dry_run:
        db.session.commit()
    for asset in removed:
        click.echo(
            f"{verb} pending upload {asset.id} {asset.original_name!r} "
            f"(started {asset.created_at:%Y-%m-%d %H:%M} UTC)"
        )
    for key, upload_id in aborted:
        click.echo(
            f"{'would abort' if dry_run else 'aborted'} multipart upload {upload_id} of {key}"
        )
    for key in leftovers:
        click.echo(f"{verb} {key} (a rendition of media that no longer exists)")
    click.echo(
        f"{'dry run: ' if dry_run else ''}{len(removed)} pending upload(s), "
        f"{len(aborted)} orphaned multipart upload(s), {len(leftovers)} orphaned rendition file(s)"
    )


def collect_pending(cutoff: datetime, dry_run: bool) -> list[MediaAsset]:
    """Pending assets started before ``cutoff``; removed (row, parts, object) unless dry."""
    query = (
        select(MediaAsset)
        .where(MediaAsset.status == "pending", MediaAsset.created_at < cutoff)
        .order_by(MediaAsset.id)
    )
    assets = list(db.session.execute(query).scalars())
    if not dry_run:
        uploads.remove_stale(assets)
    return assets


def orphan_renditions(dry_run: bool) -> list[str]:
    """Rendition files (``media/<uuid>/r/...``) whose media row is gone; removed unless dry.

    Renditions of existing media are theirs, kept whatever the media's status:
    deleting a media deletes its renditions, so only an interrupted delete leaves any.
    """
    storage = get_storage()
    live = {f"{key.rsplit('/', 1)[0]}/r/" for key in
            db.session.scalars(select(MediaAsset.storage_key))}
    orphans = [o.key for o in storage.list_objects("media/")
               if "/r/" in o.key and o.key[:o.key.index("/r/") + 3] not in live]
    if not dry_run:
        for key in orphans:
            storage.delete(key)
    return orphans


def abort_orphans(cutoff: datetime, dry_run: bool) -> list[tuple[str, str]]:
    """Multipart uploads in the store older than ``cutoff`` that no pending asset owns."""
    storage = get_storage()
    owned = set(
        db.session.execute(
            select(MediaAsset.upload_id).where(MediaAsset.upload_id.is_not(None))
        ).scalars()
    )
    orphans = [
        (u.key, u.upload_id)
        for u in storage.list_multipart_uploads(cutoff)
        if u.upload_id not in owned
    ]
    if not dry_run:
        for key, upload_id in orphans:
            storage.abort_multipart(key, upload_id)
    return orphans
