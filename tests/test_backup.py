"""``lms backup`` then ``lms restore`` into an empty database and store: the same site.

A small world (members, a course, completions, certificates with stored PDFs, a
revoked and a reissued one, an uploaded caption file) is backed up through the
command line and restored into a new database and a new bucket or folder. An app
pointed at the restored pair must answer every verification and serve every PDF
byte for byte as the original does, with the same rows in every table.

Databases: PostgreSQL when ``LMS_TEST_DATABASE_URL`` names a server (new databases
are created on it), else SQLite files; the local-folder case always runs on SQLite.
"""

from __future__ import annotations

import io
import json
import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import make_url

from lms import ROOT, import_models
from lms.backup import reference_columns
from lms.extensions import db
from lms.storage import Storage, build_storage, get_storage
from tests.factories import Auth, enrol, make_course, make_user
from tests.s3server import unique_bucket

PG_URL = os.environ.get("LMS_TEST_DATABASE_URL", "")
ADMIN = "admin@example.org"
LOCAL, S3 = "local", pytest.param("s3", marks=pytest.mark.s3, id="s3")
#: The database of the environment with S3, and SQLite with the local folder.
PAIRS = [pytest.param("env", "s3", marks=pytest.mark.s3, id="env-s3"), ("sqlite", LOCAL)]


@pytest.fixture
def new_database(tmp_path):
    """``new_database(kind)``: the URL of a new, empty database.

    ``"env"`` is on the PostgreSQL server of ``LMS_TEST_DATABASE_URL`` when set;
    ``"sqlite"`` (and ``"env"`` without a server) is a new SQLite file.
    """
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT") if PG_URL else None
    created: list[str] = []

    def make(kind: str = "env") -> str:
        if kind == "sqlite" or admin is None:
            return f"sqlite:///{tmp_path / uuid.uuid4().hex}.db"
        name = f"lms_backup_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    yield make
    if admin is not None:
        with admin.connect() as conn:
            for name in created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def new_store(request, tmp_path):
    """``new_store(kind)``: settings of a new, empty media folder or bucket (created)."""

    def make(kind: str) -> dict:
        if kind == "local":
            config = {"STORAGE": "local", "MEDIA_DIR": str(tmp_path / uuid.uuid4().hex)}
        else:
            server = request.getfixturevalue("s3_server")
            config = {"STORAGE": "s3", "S3_BUCKET": unique_bucket(),
                      "S3_ENDPOINT_URL": server.endpoint_url, "S3_REGION": server.region}
        build_storage(config).ensure_bucket([])
        return config

    return make


@pytest.fixture
def site(make_app, new_database, new_store):
    """``site(database_kind, store_kind)``: an app on a new database and store."""

    def make(database: str, store: str | dict) -> Flask:
        config = store if isinstance(store, dict) else new_store(store)
        url = database if "://" in database else new_database(database)
        return make_app("test", SQLALCHEMY_DATABASE_URI=url, **config)

    return make


def build_world(app: Flask) -> list[str]:
    """Migrate the schema and fill it; returns every certificate's code."""
    from lms.certificates import lifecycle
    from lms.certificates.issuance import issue_certificate
    from lms.media.service import upload_file

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        admin = make_user(role="admin", email=ADMIN)
        instructor = make_user(role="instructor", name="Ada Lovelace")
        upload_file(instructor, "captions.vtt", "text/vtt",
                    io.BytesIO(b"WEBVTT\n\n00:00.000 --> 00:02.000\nWelcome\n"))
        course = make_course(instructors=[instructor], modules=1, items_per_module=2)
        names = ["Zoë Ørsted-Nguyễn", "李小龍", "Amara Okafor"]
        codes = []
        for n, name in enumerate(names):
            member = make_user(certificate_name=name)
            when = datetime(2025, 3, 10 + n, 15, tzinfo=UTC)
            enrollment = enrol(member, course, completed_at=when)
            codes.append(issue_certificate(member, course, enrollment, now=when).code)
            db.session.commit()
        enrol(make_user(), course)
        lifecycle.revoke(admin, codes[1], "Issued to the wrong member.", "issued_in_error")
        lifecycle.reissue(admin, codes[2], "Amara N. Okafor", reason="name corrected")
        db.session.commit()
        return codes


def rows_per_table(app: Flask) -> dict[str, int]:
    with app.app_context(), db.engine.connect() as conn:
        return {name: conn.execute(select(func.count()).select_from(table(name))).scalar_one()
                for name in inspect(conn).get_table_names()}


def answers(app: Flask, codes: list[str]) -> dict[str, tuple]:
    """What the public verification API and the admin's PDF download give, per code."""
    client = app.test_client()
    Auth(client).login(ADMIN)
    result = {}
    for code in codes:
        verified = client.get(f"/api/v1/verify/{code}")
        pdf = client.get(f"/certificates/{code}.pdf")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF"), pdf.status_code
        result[code] = (verified.status_code, verified.get_json(), pdf.data)
    return result


def lms(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=["lms", *args])


def storage_of(app: Flask) -> Storage:
    with app.app_context():
        return get_storage()


def keys_in(app: Flask) -> list[str]:
    return [item.key for item in storage_of(app).list_objects()]


@pytest.mark.parametrize(("database", "store"), PAIRS)
def test_restore_into_an_empty_database_and_store_gives_the_same_site(
        site, tmp_path, database, store):
    source = site(database, store)
    codes = build_world(source)
    folder = tmp_path / "backup"

    made = lms(source, "backup", str(folder), "--with-objects")
    target = site(database, store)
    restored = lms(target, "restore", str(folder))

    assert made.exit_code == 0, made.output
    assert restored.exit_code == 0, restored.output
    assert rows_per_table(target) == rows_per_table(source)
    assert keys_in(target) == keys_in(source)
    before, after = answers(source, codes), answers(target, codes)
    assert after == before
    assert [status for status, _, _ in after.values()] == [200, 200, 200]
    assert [body["revoked"] for _, body, _ in after.values()] == [False, True, False]
    assert after[codes[2]][1]["name"] == "Amara N. Okafor"
    with target.app_context():
        make_user()  # ids continue after the restored rows (sequences came back too)


@pytest.mark.parametrize("store", [S3, LOCAL])
def test_manifest_describes_the_backup(site, tmp_path, store):
    source = site("env", store)
    build_world(source)
    folder = tmp_path / "backup"

    result = lms(source, "backup", str(folder))

    assert result.exit_code == 0, result.output
    manifest = json.loads((folder / "manifest.json").read_text())
    listed = [json.loads(line) for line in (folder / "objects.jsonl").read_text().splitlines()]
    with source.app_context():
        dialect = db.engine.dialect.name
        assert manifest["database"]["revision"] == _head()
    assert manifest["database"]["dialect"] == dialect
    assert manifest["database"]["tables"] == rows_per_table(source)
    assert manifest["storage"]["backend"] == source.config["STORAGE"]
    assert [entry["key"] for entry in listed] == keys_in(source)
    assert manifest["counts"]["objects"] == len(listed) == 5  # a caption, 3 PDFs and a reissued one
    assert manifest["counts"]["missing_objects"] == 0
    assert datetime.fromisoformat(manifest["created_at"]) > datetime.now(UTC) - timedelta(hours=1)
    copied = sorted(p.relative_to(folder / "objects").as_posix()
                    for p in (folder / "objects").rglob("*") if p.is_file())
    assert copied == (keys_in(source) if store == LOCAL else [])


def _head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(ROOT / "migrations")).get_current_head()


@pytest.mark.s3
def test_a_bucket_backup_without_objects_needs_the_bucket_to_hold_them(
        site, new_store, tmp_path):
    source = site("env", "s3")
    codes = build_world(source)
    folder = tmp_path / "backup"
    assert lms(source, "backup", str(folder)).exit_code == 0
    target = site("env", new_store("s3"))
    keys = keys_in(source)
    _copy_objects(storage_of(source), storage_of(target), keys[:-1])

    refused = lms(target, "restore", str(folder))
    assert refused.exit_code != 0
    assert keys[-1] in refused.output and "--allow-missing" in refused.output
    assert rows_per_table(target) == {}

    forced = lms(target, "restore", str(folder), "--allow-missing")
    assert forced.exit_code != 0
    assert "refers to are not in the store" in forced.output and keys[-1] in forced.output
    assert rows_per_table(target) == rows_per_table(source)
    _copy_objects(storage_of(source), storage_of(target), keys[-1:])
    assert answers(target, codes) == answers(source, codes)


def test_an_object_the_database_refers_to_but_the_store_lost_is_named(site, tmp_path):
    source = site("sqlite", LOCAL)
    codes = build_world(source)
    with source.app_context():
        from lms.certificates.models import Certificate

        lost = db.session.execute(select(Certificate.pdf_key).where(
            Certificate.code == codes[0])).scalar_one()
    storage_of(source).delete(lost)
    folder = tmp_path / "backup"

    made = lms(source, "backup", str(folder))
    restored = lms(site("sqlite", LOCAL), "restore", str(folder))

    assert made.exit_code != 0 and lost in made.output
    assert json.loads((folder / "manifest.json").read_text())["missing_objects"] == [lost]
    assert restored.exit_code != 0 and lost in restored.output
    assert "row counts of every table match" in restored.output


def _copy_objects(source: Storage, target: Storage, keys: list[str]) -> None:
    """What the bucket's own replica or versioning would hold."""
    for key in keys:
        info = source.head(key)
        assert info is not None
        with source.open(key) as stream:
            target.save(key, io.BytesIO(stream.read()), info.content_type)


def test_backup_refuses_a_folder_that_is_not_empty(site, tmp_path):
    source = site("sqlite", LOCAL)
    build_world(source)
    folder = tmp_path / "backup"
    folder.mkdir()
    (folder / "old.txt").write_text("earlier backup")

    result = lms(source, "backup", str(folder))

    assert result.exit_code != 0 and "not empty" in result.output
    assert [p.name for p in folder.iterdir()] == ["old.txt"]


@pytest.mark.parametrize("occupied", ["database", "store"])
def test_restore_into_a_database_or_store_in_use_refuses_and_changes_nothing(
        site, new_database, new_store, tmp_path, occupied):
    source = site("env", LOCAL)
    build_world(source)
    folder = tmp_path / "backup"
    assert lms(source, "backup", str(folder)).exit_code == 0
    store = new_store(LOCAL)
    if occupied == "store":
        build_storage(store).save("media/someone-elses/1", io.BytesIO(b"other"), "text/plain")
        target = site("env", store)
    else:
        target = site(source.config["SQLALCHEMY_DATABASE_URI"], store)
    rows, objects = rows_per_table(target), keys_in(target)

    result = lms(target, "restore", str(folder))

    assert result.exit_code != 0
    assert "not empty" in result.output
    assert rows_per_table(target) == rows
    assert keys_in(target) == objects


@pytest.mark.parametrize("damaged", ["dump", "object list", "copied object"])
def test_restore_refuses_a_damaged_backup_and_changes_nothing(site, tmp_path, damaged):
    source = site("sqlite", LOCAL)
    build_world(source)
    folder = tmp_path / "backup"
    assert lms(source, "backup", str(folder)).exit_code == 0
    manifest = json.loads((folder / "manifest.json").read_text())
    path = {"dump": folder / manifest["database"]["file"],
            "object list": folder / "objects.jsonl",
            "copied object": folder / "objects" / keys_in(source)[0]}[damaged]
    path.write_bytes(path.read_bytes()[:-1])
    target = site("sqlite", LOCAL)

    result = lms(target, "restore", str(folder))

    assert result.exit_code != 0
    assert "damaged" in result.output or "truncated" in result.output
    assert rows_per_table(target) == {}
    assert keys_in(target) == []


#: Columns named ``*_key`` that hold no storage key.
NOT_STORAGE_KEYS = {"directory_profile.expertise_key"}  # a folded expertise label


def test_every_column_holding_a_storage_key_is_checked_by_backup_and_restore():
    import_models()
    checked = {f"{column.table.name}.{column.name}" for column, _ in reference_columns()}
    key_columns = {f"{t.name}.{c.name}" for t in db.metadata.sorted_tables for c in t.columns
                   if c.name.endswith("_key")}

    assert key_columns - NOT_STORAGE_KEYS == checked
