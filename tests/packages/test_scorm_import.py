"""SCORM and cmi5 packages as items: unpacking on attach, refusing malicious ZIPs, serving."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.catalog.models import Item
from lms.errors import ValidationError
from lms.extensions import db
from lms.origins import content_origin
from lms.packages import launches
from lms.packages.models import PackageContent
from lms.packages.scorm import unpack
from lms.storage import get_storage, new_key
from tests.factories import (
    api_headers,
    enrol,
    make_course,
    make_item,
    make_media,
    make_module,
    make_user,
)
from tests.media.uploads import simple_upload, upload
from tests.packages import scorm_samples as samples


@pytest.fixture
def studio(app_ctx, client):
    instructor = make_user(role="instructor")
    course = make_course(instructors=[instructor], title="Shelving")
    module = make_module(course, title="Week 1")
    return course, module, api_headers(instructor)


def upload_zip(client, headers, data: bytes, name: str = "package.zip") -> int:
    """Upload through the API; a ZIP larger than the test client's in-memory form limit
    is stored as an upload would store it (the client leaks its temporary file)."""
    if len(data) > 400_000:
        key = new_key()
        get_storage().save(key, io.BytesIO(data), "application/zip")
        return make_media(storage_key=key, content_type="application/zip", kind="package",
                          size=len(data), original_name=name, duration_seconds=None,
                          uploader_id=db.session.scalar(select(User.id).where(
                              User.is_instructor))).id
    response = simple_upload(client, headers, data, name, "application/zip")
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def add_package_item(client, headers, module, data: bytes):
    media_id = upload_zip(client, headers, data)
    return client.post(f"/api/v1/modules/{module.id}/items", headers=headers,
                       json={"kind": "package", "title": "Shelving lesson", "media_id": media_id})


def stored_package_keys() -> list[str]:
    return [obj.key for obj in get_storage().list_objects("pkg/")]


def test_a_scorm12_zip_is_unpacked_when_an_item_uses_it(client, studio):
    _course, module, headers = studio
    response = add_package_item(client, headers, module, samples.scorm12_zip(mastery=80))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["kind"] == "package"
    content = db.session.execute(select(PackageContent)).scalar_one()
    assert (content.standard, content.launch_path, content.title) == (
        "scorm12", "lesson/index.html", "Shelving basics")
    assert content.mastery_score == 80
    assert set(content.files) == {"imsmanifest.xml", "lesson/index.html", "shared/style.css"}
    assert {get_storage().head(f["key"]).size for f in content.files.values()} == {
        f["size"] for f in content.files.values()}


def test_scorm2004_and_cmi5_manifests_are_read(client, studio):
    _course, module, headers = studio
    assert add_package_item(client, headers, module, samples.scorm2004_zip()).status_code == 201
    assert add_package_item(client, headers, module,
                            samples.cmi5_zip(move_on="Passed")).status_code == 201
    rows = db.session.execute(select(PackageContent).order_by(PackageContent.id)).scalars().all()
    assert [(r.standard, r.launch_path) for r in rows] == [
        ("scorm2004", "index.html"), ("cmi5", "au/index.html")]
    assert (rows[1].move_on, rows[1].mastery_score, rows[1].activity_iri) == (
        "Passed", 0.8, "https://example.org/courses/reference-interview/au1")


@pytest.mark.parametrize(("build", "says"), [
    (samples.traversal_zip, "outside the package"),
    (samples.bomb_zip, "zip bomb"),
    (samples.many_entries_zip, "10,002 entries"),
    (samples.entity_bomb_zip, "DTD"),
    (samples.no_manifest_zip, "no imsmanifest.xml"),
    (samples.broken_manifest_zip, "not well-formed"),
])
def test_malicious_and_broken_zips_are_refused_and_nothing_is_stored(client, studio, build,
                                                                     says):
    _course, module, headers = studio
    keys_before = stored_package_keys()
    response = add_package_item(client, headers, module, build())
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert says in response.get_json()["detail"]
    assert db.session.scalar(select(func.count(PackageContent.id))) == 0
    assert db.session.scalar(select(func.count(Item.id))) == 0
    assert stored_package_keys() == keys_before


def test_package_items_need_a_package_zip(client, studio):
    course, module, headers = studio
    no_media = client.post(f"/api/v1/modules/{module.id}/items", headers=headers,
                           json={"kind": "package", "title": "Nothing attached"})
    assert no_media.status_code == 201
    refused = client.post(f"/api/v1/courses/{course.id}/publish", headers=headers)
    assert refused.status_code == 409
    assert "“Nothing attached” has no SCORM or cmi5 ZIP" in refused.get_json()["detail"]
    pdf = simple_upload(client, headers, b"%PDF-1.4\n%%EOF\n", "notes.pdf", "application/pdf")
    wrong = client.post(f"/api/v1/modules/{module.id}/items", headers=headers,
                        json={"kind": "package", "title": "A PDF",
                              "media_id": pdf.get_json()["id"]})
    assert wrong.status_code == 422


def test_a_new_zip_on_an_existing_item_is_checked_too(client, studio):
    _course, module, headers = studio
    item_id = add_package_item(client, headers, module, samples.scorm12_zip()).get_json()["id"]
    bad = upload_zip(client, headers, samples.traversal_zip())
    response = client.patch(f"/api/v1/items/{item_id}", headers=headers, json={"media_id": bad})
    assert response.status_code == 422
    good = upload_zip(client, headers, samples.scorm2004_zip())
    assert client.patch(f"/api/v1/items/{item_id}", headers=headers,
                        json={"media_id": good}).status_code == 200
    assert db.session.scalar(select(func.count(PackageContent.id))) == 2


def test_files_are_served_to_members_of_the_course_only(client, studio):
    course, module, headers = studio
    add_package_item(client, headers, module, samples.scorm12_zip())
    content = db.session.execute(select(PackageContent)).scalar_one()
    item = db.session.execute(select(Item).where(Item.kind == "package")).scalar_one()
    member, outsider = make_user(), make_user()
    enrol(member, course)
    base = content_origin()

    def url(user, path="lesson/index.html"):
        return f"{base}/pkg/{launches.sign(user.id, item.id, content.id)}/f/{path}"

    assert client.get(url(outsider)).status_code == 404
    # Never on the app's own origin, whoever asks.
    assert client.get(url(member).removeprefix(base)).status_code == 404
    page = client.get(url(member))
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    assert b"Shelving lesson" in page.data
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox allow-scripts allow-same-origin" in page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' http://127.0.0.1:5000;" in page.headers[
        "Content-Security-Policy"]
    assert "Content-Disposition" not in page.headers
    page.close()
    style = client.get(url(member, "shared/style.css"))
    assert (style.mimetype, style.data) == ("text/css", b"body { font-family: sans-serif; }")
    style.close()
    assert client.get(url(member, "../imsmanifest.xml")).status_code == 404
    assert client.get(url(member, "lesson/missing.html")).status_code == 404


def test_the_studio_form_takes_a_package_zip_and_shows_why_one_is_refused(client, auth, app_ctx):
    teacher = make_user(role="instructor")
    course = make_course(instructors=[teacher], status="draft")
    module = make_module(course)
    auth.login(teacher.email)
    url = f"/studio/modules/{module.id}/items/new/package"
    form = client.get(url).get_data(as_text=True)
    assert "SCORM or cmi5 package (ZIP)" in form

    refused = auth.post(url, {"title": "Bad", "required": "y", "media_id_upload": (
        io.BytesIO(samples.traversal_zip()), "bad.zip", "application/zip")},
        content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "outside the package" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Item.id))) == 0

    added = auth.post(url, {"title": "Shelving", "required": "y", "media_id_upload": (
        io.BytesIO(samples.scorm12_zip()), "shelving.zip", "application/zip")},
        content_type="multipart/form-data")
    assert added.status_code == 302
    item = db.session.execute(select(Item)).scalar_one()
    assert item.kind == "package"
    assert db.session.execute(select(PackageContent.media_id)).scalar_one() == item.media_id
    outline = client.get(f"/studio/courses/{course.id}/outline").get_data(as_text=True)
    assert f"/studio/modules/{module.id}/items/new/package" in outline


def test_package_items_round_trip_through_course_packages(app_ctx, tmp_path):
    from lms.packages.service import export_course, import_package, read_folder

    teacher = make_user(role="instructor")
    course = make_course(instructors=[teacher], slug="shelving")
    samples.stored_package(samples.scorm12_zip(), course, title="Shelving lesson",
                           body="Do this first.")
    written = export_course(teacher, course.slug, tmp_path / "out")
    toml = next(name for name in written if name.endswith(".package.toml"))
    assert 'media = "package.zip"' in (tmp_path / "out" / toml).read_text()
    assert "media/package.zip" in written

    (tmp_path / "out" / "course.toml").write_text((tmp_path / "out" / "course.toml")
                                                  .read_text().replace("shelving", "shelving-2"))
    package = read_folder(tmp_path / "out")
    preview = import_package(teacher, package, dry_run=True)
    assert any("package “Shelving lesson”" in line for line in preview.changes)
    db.session.rollback()
    assert db.session.scalar(select(func.count(PackageContent.id))) == 1

    imported = import_package(teacher, package).course
    db.session.commit()
    copy = imported.modules[0].items[0]
    assert (copy.kind, copy.title, copy.body) == ("package", "Shelving lesson", "Do this first.")
    unpacked = db.session.execute(select(PackageContent).where(
        PackageContent.media_id == copy.media_id)).scalar_one()
    assert (unpacked.standard, unpacked.launch_path) == ("scorm12", "lesson/index.html")
    assert get_storage().head(unpacked.files["lesson/index.html"]["key"]) is not None


def test_a_course_package_with_a_bad_package_zip_is_refused_in_the_preview(app_ctx, tmp_path):
    from lms.packages.service import export_course, import_package, read_folder

    teacher = make_user(role="instructor")
    course = make_course(instructors=[teacher], slug="weeding")
    samples.stored_package(samples.scorm2004_zip(), course, title="Weeding lesson")
    export_course(teacher, course.slug, tmp_path / "out")
    (tmp_path / "out" / "media" / "package.zip").write_bytes(samples.traversal_zip())
    (tmp_path / "out" / "course.toml").write_text((tmp_path / "out" / "course.toml")
                                                  .read_text().replace("weeding", "weeding-2"))
    with pytest.raises(ValidationError, match="outside the package"):
        import_package(teacher, read_folder(tmp_path / "out"), dry_run=True)
    db.session.rollback()


def test_a_locked_package_is_not_served_to_the_member(client, app_ctx):
    course = make_course(in_order=True)
    make_item(make_module(course), kind="reading", title="Read this first")
    item, content = samples.stored_package(samples.scorm12_zip(), course)
    member = make_user()
    enrol(member, course)
    token = launches.sign(member.id, item.id, content.id)
    locked = client.get(f"{content_origin()}/pkg/{token}/f/lesson/index.html")
    assert locked.status_code == 409
    assert "Read this first" in locked.get_data(as_text=True)


def test_a_zip_uploaded_in_parts_can_be_attached(client, studio):
    _course, module, headers = studio
    done = upload(client, headers, samples.scorm2004_zip(), "weeding.zip", "application/zip")
    assert done.status_code == 200, done.get_json()
    response = client.post(f"/api/v1/modules/{module.id}/items", headers=headers,
                           json={"kind": "package", "title": "Weeding",
                                 "media_id": done.get_json()["id"]})
    assert response.status_code == 201, response.get_json()
    assert db.session.execute(select(PackageContent.standard)).scalar_one() == "scorm2004"


def test_a_corrupt_entry_is_refused_and_nothing_is_kept(client, studio):
    _course, module, headers = studio
    data = bytearray(samples.zip_bytes({
        "imsmanifest.xml": samples.SCORM2004_MANIFEST, "index.html": "<p>Weeding</p>"},
        compression=zipfile.ZIP_STORED))
    data[data.index(b"<p>Weeding</p>") + 3] ^= 0xFF  # the CRC no longer matches
    keys_before = stored_package_keys()
    response = add_package_item(client, headers, module, bytes(data))
    assert response.status_code == 422
    assert "could not be read" in response.get_json()["detail"]
    assert stored_package_keys() == keys_before


def test_unpacked_files_stay_only_if_the_transaction_commits(app_ctx):
    """A request that unpacks a ZIP and then fails (say, a course import refused later)
    leaves no unreachable files in the store."""
    key = new_key()
    get_storage().save(key, io.BytesIO(samples.scorm12_zip()), "application/zip")
    media = make_media(storage_key=key, content_type="application/zip", kind="package",
                       size=1, original_name="package.zip", duration_seconds=None)
    db.session.commit()
    keys_before = stored_package_keys()

    unpack(media)
    assert len(stored_package_keys()) > len(keys_before)
    db.session.rollback()
    assert stored_package_keys() == keys_before

    content = unpack(db.session.get(type(media), media.id))
    db.session.commit()
    assert sorted(stored_package_keys()) == sorted(
        keys_before + [entry["key"] for entry in content.files.values()])
