"""Checking a VC-JWT credential, and the signed status lists it points at.

:func:`verify` never raises for what it is given: every failed check becomes an
entry in ``errors`` (``{check, detail}``) and ``verified`` is true only when
there is none. A payload is read only after its signature held, so nothing a
forger wrote is echoed back.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from sqlalchemy import select

from lms.certificates import statuslist
from lms.certificates.credentials import (
    JWT_TYPE,
    issuer_id,
    sign,
    stamp,
    status_list_url,
)
from lms.certificates.keys import ALG, REGISTRY, issuer_keys
from lms.certificates.models import STATUS_LIST_SIZE, Credential
from lms.errors import NotFound
from lms.extensions import db

MAX_JWT_CHARS = 64 * 1024


@dataclass
class Outcome:
    verified: bool = False
    revoked: bool = False
    expired: bool = False
    issuer: str | None = None
    name: str | None = None
    achievement: str | None = None
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"verified": self.verified, "revoked": self.revoked, "expired": self.expired,
                "issuer": self.issuer, "name": self.name, "achievement": self.achievement,
                "errors": self.errors}

    def fail(self, check: str, detail: str) -> Outcome:
        self.errors.append({"check": check, "detail": detail})
        return self


def verify(token: Any, now: datetime) -> Outcome:
    """Check signature, key, issuer, validity dates and revocation status of a VC-JWT."""
    outcome = Outcome()
    header = _header(token)
    if header is None:
        return outcome.fail("format", "This is not a VC-JWT (a compact JWS of three "
                                      "base64url parts); send the .jwt file.")
    if header.get("alg") != ALG:
        return outcome.fail("algorithm", f"Credentials here are signed with {ALG} only.")
    if header.get("typ") != JWT_TYPE:
        outcome.fail("format", f"The JOSE header's typ is not {JWT_TYPE}.")
    key = issuer_keys().keys.get(header.get("kid")) if isinstance(header.get("kid"), str) \
        else None
    if key is None:
        return outcome.fail("key", "The signing key (kid) is not one of this issuer's keys "
                                   "(/.well-known/jwks.json).")
    try:
        payload = json.loads(jws.deserialize_compact(token, key, registry=REGISTRY).payload)
    except (JoseError, ValueError):
        return outcome.fail("signature", "The signature does not match the content: the "
                                         "credential was altered or signed by someone else.")
    if not isinstance(payload, dict):
        return outcome.fail("format", "The signed content is not a credential object.")
    _read_claims(outcome, payload, now)
    outcome.verified = not outcome.errors
    return outcome


def _header(token: Any) -> dict | None:
    if not isinstance(token, str) or len(token) > MAX_JWT_CHARS or token.count(".") != 2:
        return None
    try:
        encoded = token.split(".")[0]
        header = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (ValueError, binascii.Error):
        return None
    return header if isinstance(header, dict) else None


def _read_claims(outcome: Outcome, payload: dict, now: datetime) -> None:
    issuer = payload.get("issuer") if isinstance(payload.get("issuer"), dict) else {}
    subject = payload.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    outcome.issuer = _text(issuer.get("name"))
    outcome.name = _text(payload.get("name"))
    outcome.achievement = _text(achievement.get("name")) if isinstance(achievement, dict) \
        else None
    if issuer.get("id") != issuer_id() or payload.get("iss") != issuer_id():
        outcome.fail("issuer", f"The issuer is not {issuer_id()}.")
    _check_dates(outcome, payload, now)
    _check_status(outcome, payload)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _check_dates(outcome: Outcome, payload: dict, now: datetime) -> None:
    valid_from, valid_until = _moment(payload.get("validFrom")), payload.get("validUntil")
    if valid_from is None:
        outcome.fail("format", "validFrom is missing or not a date-time.")
    elif valid_from > now:
        outcome.fail("dates", f"Not valid before {stamp(valid_from)}.")
    if valid_until is not None:
        until = _moment(valid_until)
        if until is None:
            outcome.fail("format", "validUntil is not a date-time.")
        elif until < now:
            outcome.expired = True
            outcome.fail("expired", f"The credential expired at {stamp(until)}.")


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _check_status(outcome: Outcome, payload: dict) -> None:
    """The revocation bit, read from this issuer's own records of the list it names."""
    status = payload.get("credentialStatus")
    position = _position(status) if isinstance(status, dict) else None
    if position is None:
        outcome.fail("status", "The credential names no status list of this issuer.")
        return
    row = db.session.execute(
        select(Credential.uid, Credential.revoked_at, Credential.superseded_at)
        .where(Credential.id == (position[0] - 1) * STATUS_LIST_SIZE + position[1] + 1)).first()
    if row is None or row.uid != payload.get("id") or row.uid != payload.get("jti"):
        outcome.fail("status", "This issuer has no record of the credential.")
    elif row.revoked_at is not None:
        outcome.revoked = True
        why = "replaced by a corrected one" if row.superseded_at else "revoked"
        outcome.fail("revoked", f"The credential was {why} on {row.revoked_at:%Y-%m-%d}.")


def _position(status: dict) -> tuple[int, int] | None:
    prefix = status_list_url(0)[:-1]
    url, index = status.get("statusListCredential"), status.get("statusListIndex")
    if status.get("type") != "BitstringStatusListEntry" or not isinstance(url, str) \
            or not url.startswith(prefix) or not isinstance(index, str):
        return None
    list_id, index_text = url[len(prefix):], index
    if not (list_id.isdigit() and index_text.isdigit()) or len(list_id) > 9:
        return None
    position = int(list_id), int(index_text)
    return position if position[0] >= 1 and position[1] < STATUS_LIST_SIZE else None


# --- status lists ------------------------------------------------------------------


def status_list_credential(list_id: int, now: datetime) -> str:
    """The signed ``BitstringStatusListCredential`` of one list. Raises NotFound."""
    first = (list_id - 1) * STATUS_LIST_SIZE + 1
    last = first + STATUS_LIST_SIZE - 1
    in_use = list_id == 1 or db.session.execute(select(Credential.id).where(
        Credential.id.between(first, last)).limit(1)).first() is not None
    if list_id < 1 or not in_use:
        raise NotFound("No such status list.")
    revoked = db.session.execute(select(Credential.id).where(
        Credential.id.between(first, last), Credential.revoked_at.is_not(None))).scalars()
    url = status_list_url(list_id)
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"], "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": issuer_id()}, "validFrom": stamp(now),
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList",
                              "statusPurpose": "revocation",
                              "encodedList": statuslist.encode(row - first for row in revoked)},
    }
    kid, key = issuer_keys().signing_key()
    return sign(credential, kid=kid, key=key)
