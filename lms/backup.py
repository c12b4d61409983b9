"""``flask lms backup DIR``: the database and a manifest of the stored objects.

A backup folder holds

- the database dump (``dbdump.DUMP_FILES``: ``pg_dump`` custom format, or a SQLite file);
- ``objects.jsonl``: every stored object, one JSON line each (key, size, etag; for
  copied objects also content type and SHA-256);
- ``objects/<key>``: the objects themselves, always for the local folder and with
  ``--with-objects`` for S3 (whose bucket versioning or replication is the
  production answer: objects are immutable and keyed uniquely);
- ``manifest.json``, written last (a folder without it is an unfinished backup):
  app version, migration revision, dialect, storage backend, time, counts, rows
  per table, checksums of the files.

Consistency: the dump is a snapshot (``dbdump.dump``), and the object listing is
taken after it. Objects are never rewritten under the same key (every key is a
fresh ``storage.new_key``; a new PDF or image gets a new key, old ones stay), so
every object a dumped row refers to is listed unless it was deleted; the backup
checks that and names any missing object.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import click
from sqlalchemy import ColumnElement, Connection, select

from lms import dbdump
from lms.certificates.models import Certificate, CertificateSettings, CertificateVersion
from lms.extensions import db
from lms.media.models import MediaAsset, MediaRendition
from lms.storage import ListedObject, ObjectNotFound, Storage, StorageError, get_storage

FORMAT = "core-learning-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
OBJECT_LIST = "objects.jsonl"
OBJECT_DIR = "objects"
CHUNK_SIZE = 1024 * 1024


class BackupError(Exception):
    """A backup or restore cannot go on; the message says why and what to do."""


def reference_columns() -> list[tuple[Any, ColumnElement[bool] | None]]:
    """Columns holding storage keys, with the condition under which the object must exist.

    A pending upload has no object yet and a failed one had its bytes deleted, so
    only ready media count.
    """
    return [
        (Certificate.pdf_key, None),
        (CertificateVersion.pdf_key, None),
        (CertificateSettings.logo_key, None),
        (CertificateSettings.signature_key, None),
        (MediaAsset.storage_key, MediaAsset.status == "ready"),
        (MediaRendition.storage_key, None),  # playlists, audio and posters (segments follow)
    ]


def referenced_keys(conn: Connection) -> set[str]:
    """Every storage key the database says exists."""
    keys: set[str] = set()
    for column, condition in reference_columns():
        query = select(column).where(column.is_not(None))
        if condition is not None:
            query = query.where(condition)
        keys.update(conn.execute(query).scalars())
    return keys


@dataclass
class Snapshot:
    """What the backup records about the dumped data, read from the same snapshot."""

    revision: str | None
    tables: dict[str, int]
    referenced: set[str]


@dataclass
class BackupReport:
    manifest: dict[str, Any]
    missing: list[str] = field(default_factory=list)


def write_backup(folder: Path, *, with_objects: bool | None = None) -> BackupReport:
    """Dump the database, then list (and maybe copy) the objects, then the manifest."""
    storage = get_storage()
    with_objects = storage.name == "local" if with_objects is None else with_objects
    _prepare(folder)
    dialect = db.engine.dialect.name
    dump_file = folder / dbdump.DUMP_FILES.get(dialect, "database.dump")
    try:
        snapshot = dbdump.dump(db.engine, dump_file, _inspect)
    except dbdump.DumpError as exc:
        raise BackupError(str(exc)) from exc
    objects = _write_object_list(storage, folder, with_objects)
    missing = sorted(snapshot.referenced - objects.keys())
    manifest = _manifest(dialect, dump_file, storage, with_objects, snapshot, objects, missing)
    write_json(folder / MANIFEST, manifest)
    return BackupReport(manifest, missing)


def _inspect(conn: Connection) -> Snapshot:
    return Snapshot(dbdump.revision(conn), dbdump.row_counts(conn), referenced_keys(conn))


def _prepare(folder: Path) -> None:
    """Created readable by its owner only (it holds names and password hashes)."""
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: back up into a new folder")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)


def _write_object_list(storage: Storage, folder: Path,
                       with_objects: bool) -> dict[str, dict[str, Any]]:
    objects: dict[str, dict[str, Any]] = {}
    try:
        with (folder / OBJECT_LIST).open("w", encoding="utf-8") as out:
            for listed in storage.list_objects():
                entry = _copy_out(storage, listed, folder) if with_objects else _entry(listed)
                if entry is not None:
                    objects[listed.key] = entry
                    out.write(json.dumps(entry, sort_keys=True) + "\n")
    except StorageError as exc:
        raise BackupError(f"the object store failed while listing or copying: {exc}") from exc
    return objects


def _entry(listed: ListedObject) -> dict[str, Any]:
    return {"key": listed.key, "size": listed.size, "etag": listed.etag}


def _copy_out(storage: Storage, listed: ListedObject, folder: Path) -> dict[str, Any] | None:
    """Copy one object into ``objects/``; None when it was deleted since the listing."""
    info = storage.head(listed.key)
    if info is None:
        return None
    target = object_path(folder, listed.key)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with storage.open(listed.key) as stream, target.open("wb") as out:
            size, digest = copy_counting(stream, out)
    except ObjectNotFound:
        target.unlink(missing_ok=True)
        return None
    return {**_entry(listed), "size": size, "content_type": info.content_type, "sha256": digest}


def copy_counting(stream: Any, out: Any) -> tuple[int, str]:
    """Copy in bounded chunks; returns the size and SHA-256 of what was copied."""
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK_SIZE):
        digest.update(chunk)
        size += len(chunk)
        out.write(chunk)
    return size, digest.hexdigest()


def _manifest(dialect: str, dump_file: Path, storage: Storage, with_objects: bool,
              snapshot: Snapshot, objects: dict[str, dict[str, Any]],
              missing: list[str]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": app_version(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": {
            "dialect": dialect,
            "file": dump_file.name,
            "sha256": file_sha256(dump_file),
            "revision": snapshot.revision,
            "tables": snapshot.tables,
        },
        "storage": {
            "backend": storage.name,
            "objects_included": with_objects,
            "list": OBJECT_LIST,
            "list_sha256": file_sha256(dump_file.parent / OBJECT_LIST),
        },
        "counts": {
            "tables": len(snapshot.tables),
            "rows": sum(snapshot.tables.values()),
            "objects": len(objects),
            "bytes": sum(entry["size"] for entry in objects.values()),
            "referenced_objects": len(snapshot.referenced),
            "missing_objects": len(missing),
        },
        "missing_objects": missing,
    }


# -- helpers shared with restore ---------------------------------------------------


def app_version() -> str:
    try:
        return metadata.version("core-learning")
    except metadata.PackageNotFoundError:
        return "unknown"


def object_path(folder: Path, key: str) -> Path:
    """Where a copied object lives; keys are checked by the store, never path tricks."""
    return folder / OBJECT_DIR / key


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write, then rename into place: the manifest appears whole or not at all."""
    scratch = path.with_suffix(".tmp")
    scratch.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(scratch, path)


def read_object_list(folder: Path) -> Iterator[dict[str, Any]]:
    with (folder / OBJECT_LIST).open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def short_list(keys: Iterable[str], limit: int = 10) -> str:
    keys = list(keys)
    more = f" … and {len(keys) - limit} more" if len(keys) > limit else ""
    return ", ".join(keys[:limit]) + more


# -- commands --------------------------------------------------------------------


def register(group: click.Group) -> None:
    @group.command("backup")
    @click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
    @click.option("--with-objects/--without-objects", default=None,
                  help="Copy the stored objects into the backup "
                       "[default: with for the local folder, without for S3].")
    def backup_command(directory: Path, with_objects: bool | None) -> None:
        """Write a consistent backup of the database and the object store to DIRECTORY."""
        try:
            report = write_backup(directory, with_objects=with_objects)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(describe(directory, report.manifest))
        if report.missing:
            raise click.ClickException(
                f"backup written, but {len(report.missing)} object(s) the database refers "
                f"to are not in the store: {short_list(report.missing)}")


def describe(folder: Path, manifest: dict[str, Any]) -> str:
    database, storage, counts = manifest["database"], manifest["storage"], manifest["counts"]
    copied = "copied" if storage["objects_included"] else "listed, not copied"
    return (f"backup {folder}: {database['dialect']} database at revision "
            f"{database['revision'] or '(none)'}, {counts['tables']} tables, {counts['rows']} "
            f"rows; {counts['objects']} objects ({counts['bytes']:,} bytes) from "
            f"{storage['backend']} storage, {copied}")
