"""Private key files (credential and LTI signing keys): written whole, owner-readable only."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path


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
