"""Private key files (credential and LTI signing keys): written whole, owner-readable only."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

#: Parsed key files by (path, parser), with the (mtime, size) they were read at.
_CACHE: dict[tuple[str, Callable], tuple[tuple[int, int], Any]] = {}


def load_key_file(path: Path, parse: Callable[[str], T], *,
                  new_document: Callable[[], dict] | None, missing: Exception) -> T:
    """The key file at ``path``, parsed, cached until the file changes (a rotation).

    When there is none: with ``new_document`` one is written first (the first of several
    processes to write it wins); without, ``missing`` is raised. ``parse`` raises
    ValueError for a file it cannot use.
    """
    try:
        stat = path.stat()
    except FileNotFoundError:
        if new_document is None:
            raise missing from None
        write_private_json(new_document(), path, exclusive=True)
        stat = path.stat()
    stamp, entry = (stat.st_mtime_ns, stat.st_size), (str(path), parse)
    cached = _CACHE.get(entry)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    parsed = parse(path.read_text(encoding="utf-8"))
    _CACHE[entry] = (stamp, parsed)
    return parsed


def write_private_json(document: dict, path: Path, *, exclusive: bool) -> None:
    """Write ``document`` to ``path`` whole (a temporary file, then a rename), mode 0600.

    ``exclusive``: another process that made the file meanwhile wins (its keys may
    have signed, or been fetched, already), so ours is dropped rather than replacing it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(document, stream, indent=2)
        os.chmod(temporary, 0o600)
        if exclusive:
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        else:
            os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
