"""SCORM 1.2, SCORM 2004 and cmi5 packages: unpacking an uploaded ZIP, finding its files.

A package is unpacked when an item of kind ``package`` is given its ZIP (created or
edited, through catalog's signals), in that request: the archive is checked by
:mod:`lms.packages.archive` before anything is read, the manifest is parsed
(:mod:`lms.packages.manifests`), and only then are its files copied into the store
under fresh keys (``pkg/<uuid>/<n>``), never under names from the archive. A
package refused at any step raises ``PackageRefused`` (422) and leaves nothing
stored. One ZIP is unpacked once, whichever items use it.

The files are served to the course's learners by :mod:`lms.packages.views`; the
runtime data a package reports, and the progress it becomes, are progress's
(``lms/progress/packages.py``).
"""

from __future__ import annotations

import mimetypes
import shutil
import tempfile
import uuid
import zipfile
import zlib
from typing import BinaryIO

from sqlalchemy import select

from lms.accounts.models import User
from lms.catalog import access
from lms.catalog.models import Item, Module
from lms.errors import Conflict, NotFound, Unauthorized, ValidationError
from lms.extensions import db
from lms.media.content import open_key
from lms.media.models import MediaAsset
from lms.media.storecalls import store
from lms.packages import archive
from lms.packages.manifests import MAX_MANIFEST_BYTES, Launch, read_manifest
from lms.packages.models import PackageContent
from lms.storage import get_storage
from lms.stored import track_stored

#: A SCORM package is a web site, not a data set: fewer and smaller files than a course
#: package may hold (10,000 entries, or 1 GiB unpacked, is refused).
LIMITS = archive.Limits(max_archive_bytes=archive.GIB, max_entries=2000,
                        max_total_bytes=archive.GIB, max_entry_bytes=512 * archive.MIB)
SPOOL_BYTES = 8 * archive.MIB
#: Types browsers need right for a package's pages to work (others by ``mimetypes``).
TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
         ".html": "text/html", ".htm": "text/html", ".json": "application/json",
         ".svg": "image/svg+xml", ".xml": "application/xml", ".xsd": "application/xml",
         ".woff": "font/woff", ".woff2": "font/woff2", ".mp4": "video/mp4",
         ".webm": "video/webm", ".mp3": "audio/mpeg", ".wasm": "application/wasm"}


class PackageRefused(ValidationError):
    """The ZIP is not a package we can play; the message says why, for the instructor."""


def package_for_item(item: Item) -> PackageContent:
    """Unpack the item's ZIP unless it was already; raises PackageRefused."""
    if item.media_id is None:
        raise PackageRefused("Choose the package's ZIP file.",
                             errors={"media_id": ["Choose the package's ZIP file."]})
    found = db.session.execute(select(PackageContent).where(
        PackageContent.media_id == item.media_id)).scalar_one_or_none()
    return found or unpack(db.session.get(MediaAsset, item.media_id))


def unpack(media: MediaAsset) -> PackageContent:
    """Check ``media`` (a ready ZIP), parse its manifest and copy its files into the store.

    Raises PackageRefused (nothing stored) and Unavailable (the store failed).
    """
    if media.kind != "package" or not media.is_ready:
        raise _refused("Choose a ready SCORM or cmi5 ZIP file.")
    stream, _ = open_key(media.storage_key)
    with store(), stream:
        return _record(media, *_read_zip(stream, store_files=True))


def stand_in(media: MediaAsset, source: BinaryIO) -> PackageContent:
    """Check a ZIP not stored yet (a course import's preview) as :func:`unpack` would,
    and record it with no files, so the preview lists what the import will do."""
    return _record(media, *_read_zip(source, store_files=False))


def _read_zip(source: BinaryIO, *, store_files: bool) -> tuple[Launch, dict[str, dict]]:
    """The manifest's launch facts and, with ``store_files``, the files as stored."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        shutil.copyfileobj(source, spool)
        try:
            with archive.open_checked(spool, LIMITS) as zipped:
                files = archive.zip_files(zipped)
                launch = read_manifest(set(files), lambda name: _head(files[name]))
                return launch, _store_files(files) if store_files else {}
        except archive.ArchiveError as exc:
            raise _refused(str(exc)) from None
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            raise _refused(f"a file in the ZIP could not be read ({exc}).") from None


def _record(media: MediaAsset, launch: Launch, stored: dict[str, dict]) -> PackageContent:
    content = PackageContent(
        media_id=media.id, standard=launch.standard, title=launch.title,
        launch_path=launch.launch_path, launch_query=launch.launch_query, files=stored,
        mastery_score=launch.mastery_score, move_on=launch.move_on,
        course_iri=launch.course_iri, activity_iri=launch.activity_iri)
    db.session.add(content)
    db.session.flush()
    return content


def _refused(reason: str) -> PackageRefused:
    return PackageRefused(f"This package can't be used: {reason}",
                          errors={"media_id": [reason]})


def _head(entry) -> bytes:
    with entry.open() as handle:
        return handle.read(MAX_MANIFEST_BYTES + 1)


def _store_files(files: dict) -> dict[str, dict]:
    """Copy every file under a fresh prefix; on a failure, or if the transaction does
    not commit, remove what was copied."""
    prefix = f"pkg/{uuid.uuid4()}"
    storage = get_storage()
    stored: dict[str, dict] = {}
    try:
        with store():
            for number, (path, entry) in enumerate(sorted(files.items()), start=1):
                key = f"{prefix}/{number}"
                with entry.open() as handle:
                    info = storage.save(key, handle, content_type(path))
                stored[path] = {"key": key, "type": content_type(path), "size": info.size}
    except BaseException:
        for item in stored.values():
            storage.delete(item["key"])
        raise
    for item in stored.values():  # and if the transaction recording them rolls back
        track_stored(item["key"])
    return stored


def content_type(path: str) -> str:
    suffix = "." + path.rsplit(".", 1)[-1].lower() if "." in path else ""
    return TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


# --- reading ---------------------------------------------------------------------


def get_for_learner(user: User | None, package_id: int) -> PackageContent:
    """A package the user may open: one played by an item of a course they edit, or of
    one they are enrolled in where that item is unlocked for them.

    Raises NotFound (also for packages of courses they may not open, so their
    existence is not revealed), Unauthorized, Conflict (locked for the member).
    """
    content = db.session.get(PackageContent, package_id)
    if content is None:
        raise NotFound("No such package.")
    if user is None:
        raise Unauthorized("Log in first.")
    items = db.session.execute(
        select(Item).join(Module, Item.module_id == Module.id)
        .where(Item.media_id == content.media_id, Item.kind == "package")).scalars().all()
    locked = None
    for item in items:
        course = item.module.course
        if access.can_edit(user, course):
            return content
        enrollment = access.enrollment_of(user, course)
        if enrollment is not None and access.can_see(user, course):
            locked = access.lock_message(user, item, enrollment)
            if locked is None:
                return content
    if locked is not None:
        raise Conflict(locked)
    raise NotFound("No such package.")


def content_of_item(item: Item) -> PackageContent | None:
    if item.media_id is None:
        return None
    return db.session.execute(select(PackageContent).where(
        PackageContent.media_id == item.media_id)).scalar_one_or_none()
