"""``flask lms restore DIR``: a backup made by ``lms backup`` into an empty database and store.

A restore never merges. It refuses, changing nothing, when the database has any
table, when the store holds objects that are not in the backup (if the backup
carries its objects), or when the store lacks objects of a backup that carries
none (S3 without ``--with-objects``: the bucket, restored from its own versioning
or replica, must already hold them). To replace a site, create a new database
(and bucket or folder), point the settings at them and restore there.

Every check runs first; then the database is loaded (``pg_restore`` in one
transaction, or SQLite's backup API), then the copied objects are stored, each
checked against its SHA-256. Objects already in the store under the same key
and size are kept (keys are never reused), so after a failed copy the restore
can run again into a recreated database. Finally the row count of every table
is compared with the backup's and every storage key the restored rows refer to
is looked up in the store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from lms import ROOT, dbdump
from lms.backup import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    OBJECT_LIST,
    BackupError,
    describe,
    file_sha256,
    object_path,
    read_object_list,
    referenced_keys,
    short_list,
)
from lms.extensions import db
from lms.storage import ListedObject, Storage, StorageError, get_storage, validate_key

DEFAULT_CONTENT_TYPE = "application/octet-stream"


@dataclass
class RestoreReport:
    manifest: dict[str, Any]
    copied: int
    kept: int
    #: Keys the restored rows refer to that the store does not hold.
    missing: list[str]


def restore(folder: Path, *, allow_missing: bool = False) -> RestoreReport:
    manifest = read_manifest(folder)
    _check_files(folder, manifest)
    entries = _read_entries(folder)
    included = bool(manifest["storage"]["objects_included"])
    if included:
        _check_copies(folder, entries)
    _check_database(manifest)
    storage = get_storage()
    present = _listing(storage)
    if included:
        _check_store_for_copy(entries, present)
    else:
        _check_store_holds(entries, present, allow_missing)
    _load_database(folder, manifest)
    copied = _copy_in(storage, folder, entries, present) if included else 0
    _check_rows(manifest)
    return RestoreReport(manifest, copied, len(entries.keys() & present.keys()),
                         _unresolved(storage))


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} has no {MANIFEST}: not a backup, or an unfinished one")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise BackupError(f"{path} is not readable JSON: {exc}") from exc
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"{path} is not a version {FORMAT_VERSION} {FORMAT} manifest")
    return manifest


def _read_entries(folder: Path) -> dict[str, dict[str, Any]]:
    """The object list by key; every key must be one the store could have made."""
    try:
        return {validate_key(entry["key"]): entry for entry in read_object_list(folder)}
    except (OSError, ValueError, KeyError) as exc:
        raise BackupError(f"{folder / OBJECT_LIST} is not a list of objects: {exc!r}") from exc


# -- checks, before anything changes ------------------------------------------------


def _check_files(folder: Path, manifest: dict[str, Any]) -> None:
    """The dump and the object list are whole."""
    dump_file = folder / manifest["database"]["file"]
    if not dump_file.is_file() or file_sha256(dump_file) != manifest["database"]["sha256"]:
        raise BackupError(f"{dump_file} is missing or damaged (its SHA-256 differs)")
    object_list = folder / OBJECT_LIST
    if not object_list.is_file() or file_sha256(object_list) != manifest["storage"]["list_sha256"]:
        raise BackupError(f"{object_list} is missing or damaged (its SHA-256 differs)")


def _check_copies(folder: Path, entries: dict[str, dict[str, Any]]) -> None:
    bad = [key for key, entry in entries.items() if not _copied_whole(folder, entry)]
    if bad:
        raise BackupError(f"{len(bad)} object file(s) in the backup are missing or "
                          f"truncated: {short_list(bad)}")


def _copied_whole(folder: Path, entry: dict[str, Any]) -> bool:
    path = object_path(folder, entry["key"])
    return path.is_file() and path.stat().st_size == entry["size"]


def _check_database(manifest: dict[str, Any]) -> None:
    dialect = manifest["database"]["dialect"]
    if db.engine.dialect.name != dialect:
        raise BackupError(f"this backup is of a {dialect} database, but the configured "
                          f"database is {db.engine.dialect.name}")
    _check_revision_known(manifest["database"]["revision"])
    db.session.remove()
    with db.engine.connect() as conn:
        tables = dbdump.table_names(conn)
    if tables:
        raise BackupError(
            f"the database is not empty ({len(tables)} tables: {short_list(tables, 5)}). "
            "Restore only into a new, empty database: create one and point "
            "LMS_DATABASE_URL at it")


def migration_head() -> str:
    return ",".join(sorted(_scripts().get_heads()))


def _scripts() -> ScriptDirectory:
    return ScriptDirectory(str(ROOT / "migrations"))


def _check_revision_known(revision: str | None) -> None:
    """A schema newer than this code's migrations would not match its models."""
    if revision is None:
        return
    script = _scripts()
    for one in revision.split(","):
        try:
            known = script.get_revision(one)
        except CommandError:
            known = None
        if known is None:
            raise BackupError(f"the backup's schema is at migration {one}, which this version "
                              "of the app does not know: restore with the version that made it")


def _listing(storage: Storage) -> dict[str, ListedObject]:
    try:
        return {item.key: item for item in storage.list_objects()}
    except StorageError as exc:
        raise BackupError(f"the object store cannot be listed: {exc}") from exc


def _check_store_for_copy(entries: dict[str, dict[str, Any]],
                          present: dict[str, ListedObject]) -> None:
    """Only this backup's own objects may be there already (a restore run before)."""
    foreign = sorted(key for key, item in present.items()
                     if key not in entries or entries[key]["size"] != item.size)
    if foreign:
        raise BackupError(
            f"the object store is not empty: it holds {len(foreign)} object(s) that are not "
            f"in this backup ({short_list(foreign, 5)}). Restore into an empty bucket or folder")


def _check_store_holds(entries: dict[str, dict[str, Any]], present: dict[str, ListedObject],
                       allow_missing: bool) -> None:
    absent = sorted(key for key, entry in entries.items()
                    if key not in present or present[key].size != entry["size"])
    if absent and not allow_missing:
        raise BackupError(
            f"this backup lists the objects but holds none, and the store lacks "
            f"{len(absent)} of them: {short_list(absent)}. Restore the bucket first (its "
            "versioning or replica), or pass --allow-missing to restore the database anyway")


# -- changes -------------------------------------------------------------------------


def _load_database(folder: Path, manifest: dict[str, Any]) -> None:
    try:
        dbdump.load(db.engine, folder / manifest["database"]["file"])
    except dbdump.DumpError as exc:
        raise BackupError(str(exc)) from exc


def _copy_in(storage: Storage, folder: Path, entries: dict[str, dict[str, Any]],
             present: dict[str, ListedObject]) -> int:
    copied = 0
    for key in sorted(entries.keys() - present.keys()):
        _store_one(storage, folder, entries[key])
        copied += 1
    return copied


def _store_one(storage: Storage, folder: Path, entry: dict[str, Any]) -> None:
    key = entry["key"]
    try:
        with object_path(folder, key).open("rb") as stream:
            info = storage.save(key, stream, entry.get("content_type") or DEFAULT_CONTENT_TYPE)
    except StorageError as exc:
        raise BackupError(f"could not store {key}: {exc}") from exc
    if info.checksum != entry["sha256"]:
        storage.delete(key)
        raise BackupError(f"{key} was stored with other bytes than the backup's: removed")


def _check_rows(manifest: dict[str, Any]) -> None:
    with db.engine.connect() as conn:
        restored = dbdump.row_counts(conn)
    expected = manifest["database"]["tables"]
    if restored != expected:
        differing = sorted(name for name in expected.keys() | restored.keys()
                           if expected.get(name) != restored.get(name))
        raise BackupError(f"the restored database differs from the backup in "
                          f"{short_list(differing)}")


def _unresolved(storage: Storage) -> list[str]:
    with db.engine.connect() as conn:
        referenced = referenced_keys(conn)
    return sorted(referenced - _listing(storage).keys())


# -- command ----------------------------------------------------------------------


def register(group: click.Group) -> None:
    @group.command("restore")
    @click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
    @click.option("--allow-missing", is_flag=True,
                  help="Restore the database even if the store lacks objects the backup "
                       "lists but does not hold (they are reported).")
    def restore_command(directory: Path, allow_missing: bool) -> None:
        """Restore a backup made by `lms backup` into an EMPTY database and store."""
        try:
            report = restore(directory, allow_missing=allow_missing)
        except BackupError as exc:
            raise click.ClickException(f"restore refused or stopped: {exc}") from exc
        click.echo(f"restored {describe(directory, report.manifest)}")
        click.echo(f"row counts of every table match; {report.copied} objects stored, "
                   f"{report.kept} already in the store")
        revision = report.manifest["database"]["revision"]
        if revision and revision != migration_head():
            click.echo("the schema is older than this version's: run "
                       "`flask --app wsgi db upgrade` before starting the app")
        if report.missing:
            raise click.ClickException(
                f"{len(report.missing)} object(s) the restored database refers to are not "
                f"in the store: {short_list(report.missing)}")
