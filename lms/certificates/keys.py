"""The issuer's Ed25519 signing keys, kept in one JSON key set file.

The file (``LMS_CREDENTIAL_KEY_FILE``; unset, ``credential-keys.json`` in the
instance folder) holds ``{"keys": [private JWK + "created"], "current": kid}``,
each ``kid`` being the key's RFC 7638 thumbprint. New credentials are signed
with the current key; retired keys stay in the file and in
``/.well-known/jwks.json`` so credentials signed earlier still verify.

Development and tests create the file on first use; production refuses to make
a key silently (``CREDENTIAL_KEY_CREATE`` is off there) and wants ``flask lms
credentials rotate-key`` run once. Each process caches the parsed file by its
modification time and size, so a rotation made by another process is seen at
the next use.

Why ``alg: EdDSA`` although RFC 9864 names the algorithm ``Ed25519`` now: the
VC-JWT verifiers and wallets in use ask for ``EdDSA``; joserfc warns about the old
name, so :data:`REGISTRY` registers it without that warning.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from joserfc.jwk import OKPKey
from joserfc.jws import JWSRegistry

from lms.keyfiles import load_key_file, write_private_json

ALG = "EdDSA"
_EDDSA = JWSRegistry.algorithms[ALG]


class _QuietEdDSA(type(_EDDSA)):  # type: ignore[misc]
    security_warning = None


class CredentialRegistry(JWSRegistry):
    """EdDSA only: no other algorithm, not even a recommended one, is accepted."""

    algorithms = {ALG: _QuietEdDSA()}
    recommended = [ALG]


REGISTRY = CredentialRegistry(algorithms=[ALG])


class KeyFileMissing(RuntimeError):
    """No key file, and this configuration may not create one."""


@dataclass(frozen=True)
class IssuerKeys:
    """Every key of the issuer by kid, and which one signs new credentials."""

    keys: dict[str, OKPKey]
    current: str

    def signing_key(self) -> tuple[str, OKPKey]:
        return self.current, self.keys[self.current]

    def public_jwks(self) -> dict:
        """The JWK Set of the public halves, newest key first."""
        return {"keys": [key.as_dict(private=False) | {"kid": kid, "use": "sig", "alg": ALG}
                         for kid, key in reversed(self.keys.items())]}


def key_file() -> Path:
    configured = current_app.config.get("CREDENTIAL_KEY_FILE")
    return Path(configured) if configured else Path(current_app.instance_path) / \
        "credential-keys.json"


def issuer_keys() -> IssuerKeys:
    """The app's keys, creating the file where allowed. Raises KeyFileMissing."""
    return load(key_file(), create=bool(current_app.config.get("CREDENTIAL_KEY_CREATE")))


def load(path: Path, *, create: bool) -> IssuerKeys:
    """Read (and cache) the key set at ``path``. Raises KeyFileMissing, ValueError."""
    return load_key_file(
        path, parse, new_document=(lambda: {"keys": [_new_jwk()]}) if create else None,
        missing=KeyFileMissing(
            f"No credential key file at {path}. Create it with "
            "`flask lms credentials rotate-key` (or set LMS_CREDENTIAL_KEY_FILE)."))


def parse(text: str) -> IssuerKeys:
    """The key set from the file's JSON. Raises ValueError when it holds no usable key."""
    document = json.loads(text)
    keys = {}
    for entry in document.get("keys", []):
        jwk = {name: value for name, value in entry.items() if name not in ("created", "kid")}
        key = OKPKey.import_key(jwk)
        if not key.is_private or jwk.get("crv") != "Ed25519":
            raise ValueError("every credential key must be a private Ed25519 key")
        keys[key.thumbprint()] = key
    if not keys:
        raise ValueError("the credential key file holds no key")
    current = document.get("current") or list(keys)[-1]
    if current not in keys:
        raise ValueError(f"the current credential key {current} is not in the file")
    return IssuerKeys(keys=keys, current=current)


def rotate(path: Path) -> str:
    """Add a new key to the file (making it if missing) and sign with it from now on.

    Returns the new kid. Earlier keys stay, so earlier credentials still verify.
    """
    document = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"keys": []}
    entry = _new_jwk()
    document["keys"] = [*document.get("keys", []), entry]
    document["current"] = entry["kid"]
    write_private_json(document, path, exclusive=False)
    return entry["kid"]


def _new_jwk() -> dict:
    key = OKPKey.generate_key("Ed25519", private=True)
    return key.as_dict(private=True) | {"kid": key.thumbprint(),
                                        "created": datetime.now(UTC).isoformat()}


