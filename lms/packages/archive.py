"""Checking a ZIP of a course package before anything in it is read. Pure.

Everything is decided from the archive's own directory, before a single entry
is decompressed: the number of entries (read from the end-of-central-directory
record even before ``zipfile`` parses the directory), each entry's name (no
absolute paths, drive letters, backslashes or ``..``), its type (no symbolic
links, devices or pipes), its declared size, the total, and the compression
ratio that marks a "zip bomb". Entries are then read straight from the archive
(:func:`zip_files`): nothing is extracted to disk, so no archive path ever
reaches the file system. ``zipfile`` stops every entry at its declared size
and checks its CRC, so a lying header cannot make an entry longer.
"""

from __future__ import annotations

import re
import stat
import struct
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from lms.packages.files import FileRef

GIB = 1024**3
MIB = 1024**2
_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_MAX_COMMENT = 65535
_DRIVE = re.compile(r"^[A-Za-z]:")
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)


class ArchiveError(ValueError):
    """An archive refused before extraction; the message says why, for the uploader."""


@dataclass(frozen=True)
class Limits:
    max_archive_bytes: int = 2 * GIB
    max_entries: int = 2000
    max_total_bytes: int = 2 * GIB
    max_entry_bytes: int = 1 * GIB
    #: Uncompressed size over compressed size; text compresses well, but not 100:1.
    max_ratio: int = 100
    #: Entries smaller than this are not ratio-checked (a page of spaces is harmless).
    ratio_floor_bytes: int = 1 * MIB


DEFAULT_LIMITS = Limits()


def open_checked(handle: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> zipfile.ZipFile:
    """Open a seekable ZIP after checking its size and entry count, then check every entry.

    Raises ArchiveError with a message naming the first problem.
    """
    size = handle.seek(0, 2)
    if size > limits.max_archive_bytes:
        raise ArchiveError(f"The archive is {size:,} bytes; at most "
                           f"{limits.max_archive_bytes:,} are allowed.")
    _check_count(declared_entry_count(handle), limits)
    handle.seek(0)
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise ArchiveError(f"This is not a ZIP archive we can read ({exc}).") from None
    try:
        check_entries(archive.infolist(), limits)
    except ArchiveError:
        archive.close()
        raise
    return archive


def declared_entry_count(handle: BinaryIO) -> int | None:
    """The entry count of the end-of-central-directory record (None for ZIP64 or none)."""
    size = handle.seek(0, 2)
    start = max(0, size - _EOCD_SIZE - _MAX_COMMENT)
    handle.seek(start)
    tail = handle.read()
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < _EOCD_SIZE:
        return None
    (total,) = struct.unpack("<H", tail[at + 10:at + 12])
    return None if total == 0xFFFF else total


def _check_count(count: int | None, limits: Limits) -> None:
    if count is not None and count > limits.max_entries:
        raise ArchiveError(f"The archive holds {count:,} entries; at most "
                           f"{limits.max_entries:,} are allowed.")


def check_entries(infos: list[zipfile.ZipInfo], limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse unsafe names, links, oversized entries and zip bombs. Raises ArchiveError."""
    _check_count(len(infos), limits)
    total, seen = 0, set()
    for info in infos:
        check_name(info.filename)
        if info.filename in seen:
            raise ArchiveError(f"“{info.filename}” appears twice in the archive.")
        seen.add(info.filename)
        _check_type(info)
        _check_size(info, limits)
        total += info.file_size
        if total > limits.max_total_bytes:
            raise ArchiveError(f"The archive unpacks to more than {limits.max_total_bytes:,} "
                               "bytes in all.")


def check_name(name: str) -> None:
    """A relative POSIX path inside the package. Raises ArchiveError."""
    shown = name.encode("unicode_escape").decode("ascii")[:200]
    if not name or "\x00" in name or "\\" in name:
        raise ArchiveError(f"The entry “{shown}” has an unusable name.")
    if name.startswith("/") or _DRIVE.match(name):
        raise ArchiveError(f"The entry “{shown}” has an absolute path; "
                           "entries must be relative to the package.")
    parts = name.rstrip("/").split("/")
    if any(part in ("..", ".", "") for part in parts):
        raise ArchiveError(f"The entry “{shown}” has a “..” or empty path part; it would "
                           "point outside the package.")


def _check_type(info: zipfile.ZipInfo) -> None:
    if info.flag_bits & 0x1:
        raise ArchiveError(f"The entry “{info.filename}” is encrypted.")
    if info.compress_type not in _METHODS:
        raise ArchiveError(f"The entry “{info.filename}” uses an unsupported compression.")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise ArchiveError(f"The entry “{info.filename}” is a symbolic link; links are not "
                           "allowed in a package.")
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise ArchiveError(f"The entry “{info.filename}” is not a regular file.")


def _check_size(info: zipfile.ZipInfo, limits: Limits) -> None:
    if info.file_size > limits.max_entry_bytes:
        raise ArchiveError(f"The entry “{info.filename}” unpacks to {info.file_size:,} bytes; "
                           f"at most {limits.max_entry_bytes:,} are allowed per file.")
    ratio_limit = limits.max_ratio * max(info.compress_size, 1)
    if info.file_size > limits.ratio_floor_bytes and info.file_size > ratio_limit:
        raise ArchiveError(f"The entry “{info.filename}” is compressed more than "
                           f"{limits.max_ratio}:1, as in a zip bomb.")


@dataclass(frozen=True)
class ZipEntry:
    archive: zipfile.ZipFile
    info: zipfile.ZipInfo

    @property
    def size(self) -> int:
        return self.info.file_size

    def open(self) -> BinaryIO:
        return self.archive.open(self.info)  # type: ignore[return-value]


def zip_files(archive: zipfile.ZipFile) -> dict[str, FileRef]:
    """The checked archive's files by path (folders and hidden files skipped)."""
    return {info.filename: ZipEntry(archive, info) for info in archive.infolist()
            if not info.is_dir() and not _hidden(info.filename)}


def _hidden(name: str) -> bool:
    """Finder and Explorer leftovers (``__MACOSX/``, ``.DS_Store``) are not package files."""
    return any(part.startswith(".") or part == "__MACOSX" for part in name.split("/"))
