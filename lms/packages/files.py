"""The files of a package, whether a folder on disk or the entries of a checked ZIP. Pure.

A package is read through a mapping of relative POSIX paths to :class:`FileRef`
objects, so the same reader serves the command line (a folder) and the studio
(a ZIP, read entry by entry with no extraction to disk: no path from an
archive ever reaches the file system).
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

#: Text files (metadata, Markdown, GIFT, transcripts) are read whole; none needs more.
MAX_TEXT_BYTES = 2 * 1024 * 1024


class PackageError(ValueError):
    """A package that cannot be read; the message names the file and what is wrong."""


class FileRef(Protocol):
    size: int

    def open(self) -> BinaryIO: ...


Files = Mapping[str, FileRef]


@dataclass(frozen=True)
class FolderFile:
    path: Path
    size: int

    def open(self) -> BinaryIO:
        return self.path.open("rb")


@dataclass(frozen=True)
class MemoryFile:
    """Bytes held in memory (tests, and text files rendered for export)."""

    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def open(self) -> BinaryIO:
        return io.BytesIO(self.data)


def folder_files(folder: Path) -> dict[str, FileRef]:
    """Every regular file under ``folder`` by relative POSIX path; hidden files are skipped.

    Raises PackageError for a missing folder or a symbolic link inside it.
    """
    if not folder.is_dir():
        raise PackageError(f"{folder} is not a folder.")
    files: dict[str, FileRef] = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_symlink():
            raise PackageError(f"{relative.as_posix()}: symbolic links are not allowed.")
        if path.is_file():
            files[relative.as_posix()] = FolderFile(path, path.stat().st_size)
    return files


def read_text(files: Files, name: str) -> str:
    """A UTF-8 text file with ``\\n`` line endings. Raises PackageError."""
    ref = files.get(name)
    if ref is None:
        raise PackageError(f"{name} is missing.")
    if ref.size > MAX_TEXT_BYTES:
        raise PackageError(f"{name} is larger than {MAX_TEXT_BYTES // (1024 * 1024)} MiB.")
    with ref.open() as handle:
        data = handle.read(MAX_TEXT_BYTES + 1)
    if len(data) > MAX_TEXT_BYTES:
        raise PackageError(f"{name} is larger than {MAX_TEXT_BYTES // (1024 * 1024)} MiB.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PackageError(f"{name} is not UTF-8 text (byte {exc.start}).") from None
    return text.removeprefix(codecs.BOM_UTF8.decode()).replace("\r\n", "\n").replace("\r", "\n")


def strip_top_folder(files: Files, markers: tuple[str, ...]) -> dict[str, FileRef]:
    """Drop one enclosing folder when the package was zipped as a folder (``course/…``)."""
    if any(marker in files for marker in markers):
        return dict(files)
    tops = {name.split("/", 1)[0] for name in files}
    if len(tops) == 1 and all("/" in name for name in files):
        top = tops.pop()
        return {name[len(top) + 1:]: ref for name, ref in files.items()}
    return dict(files)
