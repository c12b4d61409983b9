"""An independent VC-JWT verifier, written only against the specifications.

RFC 7515 (compact JWS), RFC 7517/8037 (OKP JWKs, Ed25519), the W3C VC-JOSE-COSE
``vc+jwt`` type and the W3C Bitstring Status List: nothing from ``lms`` is
imported, so a mistake shared by the app's signer and its verifier cannot hide
here. Signatures are checked with ``cryptography`` directly.
"""

from __future__ import annotations

import base64
import gzip
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class Rejected(Exception):
    """The JWT does not verify; the message says why."""


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_keys(jwks: dict) -> dict[str, Ed25519PublicKey]:
    """The Ed25519 keys of a JWK Set by kid (RFC 8037: kty OKP, crv Ed25519, x)."""
    keys = {}
    for jwk in jwks["keys"]:
        assert "d" not in jwk, "a private key part is published"
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            keys[jwk["kid"]] = Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
    return keys


def verify(token: str, jwks: dict) -> tuple[dict, dict]:
    """(header, payload) of a VC-JWT whose EdDSA signature holds. Raises Rejected."""
    parts = token.split(".")
    if len(parts) != 3:
        raise Rejected("not a compact JWS")
    header = json.loads(b64url_decode(parts[0]))
    if header.get("alg") != "EdDSA":
        raise Rejected(f"alg {header.get('alg')!r}")
    if header.get("typ") != "vc+jwt":
        raise Rejected(f"typ {header.get('typ')!r}")
    key = public_keys(jwks).get(header.get("kid"))
    if key is None:
        raise Rejected("kid not in the JWKS")
    try:
        key.verify(b64url_decode(parts[2]), f"{parts[0]}.{parts[1]}".encode("ascii"))
    except InvalidSignature:
        raise Rejected("bad signature") from None
    return header, json.loads(b64url_decode(parts[1]))


def status_bit(status_list_payload: dict, index: int) -> bool:
    """Bit ``index`` of a BitstringStatusListCredential (multibase base64url of GZIP)."""
    subject = status_list_payload["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    encoded = subject["encodedList"]
    assert encoded.startswith("u"), "multibase base64url prefix"
    bits = gzip.decompress(b64url_decode(encoded[1:]))
    assert len(bits) * 8 >= 131_072, "the spec's minimum list size"
    return bool(bits[index // 8] >> (7 - index % 8) & 1)
