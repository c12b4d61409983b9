"""The tool's RSA signing key for LTI 1.3 (RS256, which LTI requires), kept in one JWK file.

The file (``LMS_LTI_KEY_FILE``; unset, ``lti-key.json`` in the instance folder)
holds the private JWK with its ``kid`` (its RFC 7638 thumbprint). The tool signs
deep-linking responses and the client assertions of Assignment and Grade
Services with it; platforms read its public half at ``/lti/jwks.json``.

Development and tests create the file on first use; production refuses to make a
key silently (``LTI_KEY_CREATE`` is off there) and wants ``flask lms lti create-key``
run once, so every app server shares one key. Each process caches the parsed
file by its modification time and size.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from joserfc.jwk import RSAKey

from lms.errors import Unavailable
from lms.keyfiles import load_key_file, write_private_json

ALG = "RS256"
KEY_BITS = 2048


class KeyFileMissing(Unavailable):
    """No key file, and this configuration may not create one (503: staff must make it)."""


@dataclass(frozen=True)
class ToolKey:
    kid: str
    key: RSAKey

    def public_jwks(self) -> dict:
        return {"keys": [self.key.as_dict(private=False)
                         | {"kid": self.kid, "use": "sig", "alg": ALG}]}


def key_file() -> Path:
    configured = current_app.config.get("LTI_KEY_FILE")
    return Path(configured) if configured else Path(current_app.instance_path) / "lti-key.json"


def tool_key() -> ToolKey:
    """The app's LTI key, creating the file where allowed. Raises KeyFileMissing."""
    return load(key_file(), create=bool(current_app.config.get("LTI_KEY_CREATE")))


def load(path: Path, *, create: bool) -> ToolKey:
    """Read (and cache) the key at ``path``. Raises KeyFileMissing, ValueError."""
    return load_key_file(
        path, parse, new_document=_new_document if create else None,
        missing=KeyFileMissing(
            "LTI is not set up on this site yet: staff must create its key with "
            "`flask lms lti create-key` (or set LMS_LTI_KEY_FILE)."))


def parse(text: str) -> ToolKey:
    """The key from the file's JSON. Raises ValueError unless it is a private RSA key."""
    document = json.loads(text)
    key = RSAKey.import_key({name: value for name, value in document.items() if name != "kid"})
    if not key.is_private:
        raise ValueError("the LTI key file must hold a private RSA key")
    return ToolKey(kid=document.get("kid") or key.thumbprint(), key=key)


def _new_document() -> dict:
    key = RSAKey.generate_key(KEY_BITS, private=True)
    return key.as_dict(private=True) | {"kid": key.thumbprint()}


def write_new_key(path: Path, *, exclusive: bool) -> str:
    """Write a new key file (owner-readable only); returns its kid.

    ``exclusive``: another process that made the file meanwhile wins (platforms may
    have fetched its key already), so ours is dropped rather than replacing it.
    """
    document = _new_document()
    write_private_json(document, path, exclusive=exclusive)
    return document["kid"]
