"""Studio ZIP import: unsafe archives are refused before extraction; good ones preview first."""

from __future__ import annotations

import io
import re
import stat
import struct
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from lms import ROOT
from lms.catalog.models import Course, Item, Module
from lms.catalog.topics import seed_default_topics
from lms.extensions import db
from lms.media.models import MediaAsset
from lms.packages import archive
from tests.factories import make_user

WEBINAR = ROOT / "courses" / "weeding-without-worry"
REFERENCE = ROOT / "courses" / "plain-language-reference-interviews"
GOOD_TOML = b'slug = "zipped"\ntitle = "Zipped"\n'


def zip_bytes(entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, data in entries:
            zipped.writestr(name, data)
    return buffer.getvalue()


def zip_folder(folder: Path, top: str | None = None) -> bytes:
    entries = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            name = path.relative_to(folder).as_posix()
            entries.append((f"{top}/{name}" if top else name, path.read_bytes()))
    return zip_bytes(entries)


def symlink_zip() -> bytes:
    link = zipfile.ZipInfo("course/notes.md")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    return zip_bytes([("course/course.toml", GOOD_TOML), (link, b"/etc/passwd")])


def declared_size_zip(size: int) -> bytes:
    """A ZIP whose one entry claims ``size`` bytes uncompressed, without holding them."""
    data = bytearray(zip_bytes([("course.toml", GOOD_TOML), ("media/talk.mp4", b"\0" * 1000)]))
    name = b"media/talk.mp4"
    central = data.find(b"PK\x01\x02")
    while data[central + 46:central + 46 + len(name)] != name:
        central = data.find(b"PK\x01\x02", central + 1)
    struct.pack_into("<I", data, central + 24, size)  # uncompressed size, central directory
    local = data.rfind(b"PK\x03\x04", 0, data.find(name))
    struct.pack_into("<I", data, local + 22, size)  # and in the entry's local header
    return bytes(data)


def many_entries_zip(count: int) -> bytes:
    return zip_bytes([("course.toml", GOOD_TOML)]
                     + [(f"media/f{n}.txt", b"") for n in range(count - 1)])


BAD_ARCHIVES = {
    "dot-dot": (lambda: zip_bytes([("course.toml", GOOD_TOML), ("../evil.md", b"x")]),
                "would point outside the package"),
    "nested-dot-dot": (lambda: zip_bytes([("course/../../evil.md", b"x")]),
                       "would point outside the package"),
    "absolute": (lambda: zip_bytes([("course.toml", GOOD_TOML), ("/etc/cron.d/x", b"x")]),
                 "has an absolute path"),
    "windows-drive": (lambda: zip_bytes([("C:/evil.md", b"x")]), "has an absolute path"),
    "symlink": (symlink_zip, "is a symbolic link"),
    "10000-entries": (lambda: many_entries_zip(10_000), "holds 10,000 entries; at most 2,000"),
    "1-gb-declared": (lambda: declared_size_zip(1_000_000_000), "as in a zip bomb"),
    "over-1-gib-entry": (lambda: declared_size_zip(2**30 + 1), "at most 1,073,741,824 are "
                                                               "allowed per file"),
    "real-zip-bomb": (lambda: zip_bytes([("course.toml", GOOD_TOML),
                                         ("media/zeros.mp4", b"\0" * (20 * 1024 * 1024))]),
                      "compressed more than 100:1"),
    "not-a-zip": (lambda: b"this is not a zip file at all", "not a ZIP archive"),
}


@pytest.mark.parametrize("kind", sorted(BAD_ARCHIVES))
def test_archive_checks_refuse_before_extraction(kind):
    make, message = BAD_ARCHIVES[kind]
    with pytest.raises(archive.ArchiveError, match=re.escape(message)):
        archive.open_checked(io.BytesIO(make()))


def test_entry_count_is_read_before_zipfile_parses_the_directory():
    assert archive.declared_entry_count(io.BytesIO(many_entries_zip(2001))) == 2001


def test_a_sample_package_zip_passes_the_checks():
    with archive.open_checked(io.BytesIO(zip_folder(WEBINAR, "weeding"))) as zipped:
        files = archive.zip_files(zipped)
    assert "weeding/course.toml" in files and "weeding/media/weeding-without-worry.mp4" in files


# --- the studio -----------------------------------------------------------------------


@pytest.fixture
def instructor(app_ctx, auth):
    seed_default_topics()
    db.session.commit()
    user = make_user(role="instructor")
    auth.login(user.email)
    return user


def upload(client, auth, data: bytes, course_id: int | None = None):
    """POST the ZIP. The body is encoded here, in memory: the test client spools bodies
    over 500 KB to a temporary file it never closes (a ResourceWarning)."""
    form = MultiDict({"csrf_token": auth.csrf("/studio/import/"),
                      "course_id": str(course_id or ""),
                      "archive": FileStorage(io.BytesIO(data), "package.zip",
                                             content_type="application/zip")})
    boundary, body = encode_multipart(form)
    return client.post("/studio/import/", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def stored_objects(app) -> list[str]:
    media = Path(app.config["MEDIA_DIR"])
    return [p.as_posix() for p in media.rglob("*") if p.is_file()
            and not p.relative_to(media).as_posix().startswith(".")]


def counts() -> tuple[int, int, int, int]:
    return tuple(db.session.execute(select(func.count()).select_from(model)).scalar_one()
                 for model in (Course, Module, Item, MediaAsset))


@pytest.mark.parametrize("kind", sorted(BAD_ARCHIVES))
def test_studio_refuses_bad_archives_and_creates_nothing(kind, instructor, client, auth, app):
    make, message = BAD_ARCHIVES[kind]
    before = stored_objects(app)
    response = upload(client, auth, make())
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html.replace("&#34;", '"').replace("&#39;", "'")
    assert counts() == (0, 0, 0, 0)
    assert stored_objects(app) == before


def test_studio_refuses_a_broken_package_with_its_file_named(instructor, client, auth):
    data = zip_bytes([("course.toml", GOOD_TOML), ("01-intro/01-hello.md", b"no front matter")])
    response = upload(client, auth, data)
    assert response.status_code == 422
    assert "01-intro/module.toml is missing" in response.get_data(as_text=True)
    assert counts() == (0, 0, 0, 0)


def token_of(html: str) -> str:
    match = re.search(r'name="token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def test_studio_previews_then_imports_a_course_zip(instructor, client, auth, app):
    before = set(stored_objects(app))
    response = upload(client, auth, zip_folder(WEBINAR, "weeding-without-worry"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "Create the webinar" in html
    assert "media/weeding-without-worry.mp4" in html
    assert counts() == (0, 0, 0, 0), "the preview must not create anything"
    assert len(set(stored_objects(app)) - before) == 1, "only the ZIP is kept until confirmed"

    response = client.post("/studio/import/confirm",
                           data={"csrf_token": auth.csrf("/"), "token": token_of(html)})
    assert response.status_code == 302
    course = db.session.execute(select(Course)).scalar_one()
    assert response.headers["Location"].endswith(f"/studio/courses/{course.id}/outline")
    assert course.status == "published" and course.instructors == [instructor]
    assert counts() == (1, 1, 2, 3)  # video, captions and slides
    assert len(set(stored_objects(app)) - before) == 3, "the ZIP is deleted, the media stay"

    again = upload(client, auth, zip_folder(WEBINAR)).get_data(as_text=True)
    assert "already matches this package" in again


def test_studio_imports_a_module_zip_into_a_course(instructor, client, auth):
    from lms.packages import service

    course = service.import_course_folder(instructor, REFERENCE)
    db.session.commit()
    module_zip = zip_bytes(
        [(f"01-the-webinar/{p.name}", p.read_bytes())
         for p in sorted((WEBINAR / "01-the-webinar").iterdir())]
        + [(f"01-the-webinar/media/{p.name}", p.read_bytes())
           for p in sorted((WEBINAR / "media").iterdir())])
    html = upload(client, auth, module_zip, course.id).get_data(as_text=True)
    assert "Add the module “The webinar”" in html
    response = client.post("/studio/import/confirm",
                           data={"csrf_token": auth.csrf("/"), "token": token_of(html)})
    assert response.status_code == 302
    db.session.expire_all()
    titles = [m.title for m in db.session.get(Course, course.id).modules]
    assert titles == ["Foundations", "Practice", "The webinar"]


def test_members_cannot_use_the_import_page(app_ctx, client, auth):
    member = make_user()
    auth.login(member.email)
    assert client.get("/studio/import/").status_code == 403


def test_a_preview_token_is_bound_to_its_uploader(instructor, client, auth):
    html = upload(client, auth, zip_folder(WEBINAR)).get_data(as_text=True)
    token = token_of(html)
    auth.logout()
    other = make_user(role="instructor")
    auth.login(other.email)
    response = client.post("/studio/import/confirm",
                           data={"csrf_token": auth.csrf("/"), "token": token})
    assert response.status_code == 400
    assert counts() == (0, 0, 0, 0)
