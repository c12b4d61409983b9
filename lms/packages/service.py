"""Course packages: import a folder or a checked ZIP, preview an import, export a course.

Every function takes the acting user; authorization happens in catalog's
authoring service, which the importer calls for every change. Functions flush
and never commit: the command line and the studio commit (or, for a preview,
roll back).
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from flask import current_app

from lms.accounts.models import User
from lms.accounts.service import require_instructor
from lms.catalog import access
from lms.catalog.models import Course
from lms.errors import Conflict, NotFound, ValidationError
from lms.media.storecalls import store
from lms.packages import archive
from lms.packages.exporter import build_package
from lms.packages.files import PackageError, folder_files
from lms.packages.format import CoursePackage, read_package
from lms.packages.importer import Importer, db_course
from lms.packages.media_sync import MediaSync
from lms.packages.render import render_package, transcript_files
from lms.storage import get_storage, new_key

COPY_CHUNK = 1024 * 1024


@dataclass
class ImportResult:
    course: Course
    #: What was (or, in a preview, would be) created or changed, in plain words.
    changes: list[str] = field(default_factory=list)
    uploads: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.changes or self.uploads)


def import_course_folder(owner: User, folder: Path) -> Course:
    """Create or update the course of the package in ``folder`` (used by ``lms demo``).

    Raises ValidationError (package unreadable or invalid), Forbidden (the course
    exists and the owner may not edit it), and the media service's errors.
    """
    return import_package(owner, read_folder(folder)).course


def read_folder(folder: Path) -> CoursePackage:
    """The package in a folder. Raises ValidationError naming the file at fault."""
    try:
        return read_package(folder_files(folder))
    except PackageError as exc:
        raise ValidationError(str(exc), errors={"package": [str(exc)]}) from None


def import_package(actor: User | None, package: CoursePackage, *, course_id: int | None = None,
                   dry_run: bool = False) -> ImportResult:
    """Bring a course in line with a package; a module package goes into ``course_id``.

    With ``dry_run`` nothing is uploaded and the caller must roll back: the
    result then says what an import would do. Media uploaded by a failed import
    are deleted again. Raises Unauthorized, Forbidden, NotFound, ValidationError,
    Conflict (publishing refused), Unavailable (storage).
    """
    user = require_instructor(actor)
    importer = Importer(user, MediaSync(user, package.media, dry_run=dry_run))
    try:
        course = _run(importer, package, course_id)
    except Exception:
        importer.media.discard_uploads()
        raise
    return ImportResult(course, importer.changes.lines, importer.media.uploaded,
                        importer.changes.warnings)


def _run(importer: Importer, package: CoursePackage, course_id: int | None) -> Course:
    if not package.is_module:
        return importer.course(package)
    if course_id is None:
        raise ValidationError("This ZIP holds one module: choose the course it goes into.",
                              errors={"course_id": ["Choose a course for this module."]})
    course = access.get_editable_course(importer.actor, course_id)
    importer.module_into(course, package.modules[0])
    return course


# --- export ----------------------------------------------------------------------------


def export_course(actor: User | None, slug: str, folder: Path) -> list[str]:
    """Write the course as a package into ``folder`` (new or empty); returns the paths written.

    Raises NotFound, Unauthorized, Forbidden (not an editor of the course),
    Conflict (the folder holds files), Unavailable (storage).
    """
    course = db_course(slug)
    if course is None:
        raise NotFound(f"No course has the address {slug}.")
    access.get_editable_course(actor, course.id)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise Conflict(f"{folder} is not an empty folder; choose a new one.")
    package, assets = build_package(course)
    texts = render_package(package) | transcript_files(package)
    for name, text in texts.items():
        _target(folder, name).write_text(text, encoding="utf-8", newline="\n")
    storage = get_storage()
    for name, asset in assets.items():
        with store(), storage.open(asset.storage_key) as source, \
                _target(folder, f"media/{name}").open("wb") as target:
            shutil.copyfileobj(source, target, COPY_CHUNK)
    return sorted([*texts, *(f"media/{name}" for name in assets)])


def _target(folder: Path, name: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


# --- ZIP uploads (the studio) ----------------------------------------------------------


def zip_limits() -> archive.Limits:
    return current_app.config.get("PACKAGE_ZIP_LIMITS") or archive.DEFAULT_LIMITS


def store_zip(actor: User | None, stream: BinaryIO) -> str:
    """Keep an uploaded ZIP in storage until it is imported; returns its key.

    Raises Unauthorized, Forbidden, Unavailable.
    """
    require_instructor(actor)
    key = new_key("imports")
    with store():
        get_storage().save(key, stream, "application/zip")
    return key


def discard_zip(key: str) -> None:
    with store():
        get_storage().delete(key)


@contextmanager
def zip_package(key: str) -> Iterator[CoursePackage]:
    """The package in a stored ZIP, checked before anything in it is read.

    The ZIP is copied to a private temporary file (``zipfile`` needs to seek;
    S3 streams cannot). Raises ValidationError (with the archive's problem),
    NotFound (the upload expired), Unavailable.
    """
    storage = get_storage()
    with tempfile.TemporaryFile() as copy:
        with store():
            if storage.head(key) is None:
                raise NotFound("That upload is no longer here; upload the ZIP again.")
            with storage.open(key) as source:
                shutil.copyfileobj(source, copy, COPY_CHUNK)
        try:
            with archive.open_checked(copy, zip_limits()) as zipped:
                yield read_package(archive.zip_files(zipped))
        except (archive.ArchiveError, PackageError, zipfile.BadZipFile) as exc:
            raise ValidationError(str(exc), errors={"archive": [str(exc)]}) from None


def import_zip(actor: User | None, key: str, *, course_id: int | None = None,
               dry_run: bool = False) -> ImportResult:
    """:func:`import_package` of a stored ZIP (see there for ``dry_run`` and errors)."""
    require_instructor(actor)
    with zip_package(key) as package:
        return import_package(actor, package, course_id=course_id, dry_run=dry_run)
