"""Open Badges 3.0 credentials: one signed ``OpenBadgeCredential`` per certificate.

Every issuance (a completion, a back-issue batch) writes the credential in the
same transaction as the certificate; a revocation sets its status bit; a name
fix (reissue) supersedes it with a new credential and revokes the old one.

The credential is the OB 3.0 ``AchievementCredential`` data model over the W3C
VC 2.0 context, secured as a VC-JWT (JOSE header ``alg: EdDSA, typ: vc+jwt,
kid``). The JWT payload is the credential itself (VC-JOSE-COSE), plus the
registered claims ``iss``, ``jti``, ``nbf``, ``iat`` (``exp`` when it expires)
and the credential again under ``vc`` for verifiers written against OB 3.0 §8.2.
It also carries ``issuanceDate``/``expirationDate`` beside ``validFrom``/
``validUntil``: 1EdTech's published JSON Schema still requires the older names.

The JWT is stored at issuance, so a credential's content never changes later
(course edits, a new organisation name or base URL leave it as it was issued).
The member is identified only by a salted SHA-256 of their email address.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from urllib.parse import quote, urlencode

from joserfc import jws
from sqlalchemy import insert, select, update

from lms.accounts.models import User
from lms.catalog.models import Course
from lms.certificates.keys import ALG, REGISTRY, issuer_keys
from lms.certificates.models import Certificate, Credential, status_position
from lms.certificates.settings import current_settings
from lms.extensions import db
from lms.web import site_url

CONTEXT = ["https://www.w3.org/ns/credentials/v2",
           "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
SCHEMA_URL = ("https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
              "ob_v3p0_achievementcredential_schema.json")
JWT_TYPE = "vc+jwt"


def issuer_id() -> str:
    return site_url("/issuer")


def issuer_profile() -> dict:
    """The OB 3.0 issuer ``Profile`` (also served at ``/issuer``)."""
    return {"id": issuer_id(), "type": ["Profile"], "name": current_settings().org_name,
            "url": site_url("/")}


def status_list_url(list_id: int) -> str:
    return site_url(f"/credentials/status/{list_id}")


def credential_url(code: str, kind: str = "jwt") -> str:
    return site_url(f"/credentials/{code}.{kind}")


def identity(email: str, salt: str) -> dict:
    """The OB 3.0 ``IdentityObject`` for an email address: hashed, never in clear."""
    digest = hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()
    return {"type": "IdentityObject", "identityHash": f"sha256${digest}", "hashed": True,
            "salt": salt, "identityType": "emailAddress"}


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def end_of(day: date) -> datetime:
    """A certificate is valid through its ``expires_on`` day (UTC)."""
    return datetime.combine(day, time(23, 59, 59))


def achievement(cert: Any, course: Course) -> dict:
    """The course as an OB 3.0 ``Achievement`` (from the certificate's snapshot)."""
    page = site_url(f"/courses/{course.slug}")
    hours = float(cert.ce_hours)
    return {
        "id": f"{page}#achievement", "type": ["Achievement"], "achievementType": "Course",
        "name": cert.course_title,
        "description": (course.summary or "").strip() or f"The course “{cert.course_title}”.",
        "criteria": {"narrative": f"Complete every required item of “{cert.course_title}” "
                                  f"({hours:g} CE hours)."},
        "creditsAvailable": hours,
        "alignment": [{"type": ["Alignment"], "targetName": cert.course_title,
                       "targetUrl": page}],
    }


def build(cert: Any, course: Course, *, uid: str, email: str, salt: str, issued_at: datetime,
          status: tuple[int, int], issuer: dict) -> dict:
    """The unsigned credential for a certificate (``cert``: its row or its values)."""
    list_id, index = status
    valid_from = stamp(issued_at)
    credential = {
        "@context": CONTEXT, "id": uid, "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{cert.course_title}: certificate of completion",
        "issuer": issuer, "validFrom": valid_from, "issuanceDate": valid_from,
        "awardedDate": stamp(cert.issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"], "identifier": [identity(email, salt)],
            "achievement": achievement(cert, course), "creditsEarned": float(cert.ce_hours)},
        "credentialStatus": {
            "id": f"{status_list_url(list_id)}#{index}", "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation", "statusListIndex": str(index),
            "statusListCredential": status_list_url(list_id)},
        "credentialSchema": [{"id": SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if cert.expires_on is not None:
        credential["validUntil"] = credential["expirationDate"] = stamp(end_of(cert.expires_on))
    return credential


def sign(credential: dict, *, kid: str, key: Any) -> str:
    """The credential as a compact VC-JWT signed with ``key``."""
    claims = credential | {"iss": credential["issuer"]["id"], "jti": credential["id"],
                           "nbf": _epoch(credential["validFrom"]),
                           "iat": _epoch(credential["validFrom"]), "vc": credential}
    if "validUntil" in credential:
        claims["exp"] = _epoch(credential["validUntil"])
    payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":"))
    return jws.serialize_compact({"alg": ALG, "typ": JWT_TYPE, "kid": kid}, payload, key,
                                 registry=REGISTRY)


def _epoch(value: str) -> int:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


# --- rows ------------------------------------------------------------------------


def issue_for(cert: Certificate, member: User, now: datetime) -> int:
    """Make and sign the certificate's credential, inside the caller's transaction; its id."""
    return issue_many([(cert.id, cert, member)], db.session.get(Course, cert.course_id), now)[0]


def issue_many(certificates: list[tuple[int, Any, User]], course: Course | None,
               now: datetime) -> list[int]:
    """Credentials for ``(certificate id, row or values, member)`` of one course; their ids.

    Rows first, in one multi-row insert (their ids give the status positions), then
    their signed JWTs in one bulk update: statements a batch, not a certificate.
    """
    if course is None or not certificates:
        return []
    kid, key = issuer_keys().signing_key()
    uids = [f"urn:uuid:{uuid.uuid4()}" for _ in certificates]
    table = Credential.__table__
    inserted = dict(db.session.execute(
        insert(table).returning(table.c.uid, table.c.id),
        [{"certificate_id": cert_id, "uid": uid, "kid": kid, "issued_at": now, "jwt": ""}
         for (cert_id, _cert, _member), uid in zip(certificates, uids, strict=True)]).all())
    issuer = issuer_profile()
    signed = []
    for uid, (_cert_id, cert, member) in zip(uids, certificates, strict=True):
        credential = build(cert, course, uid=uid, email=member.email,
                           salt=secrets.token_hex(16), issued_at=now,
                           status=status_position(inserted[uid]), issuer=issuer)
        signed.append({"id": inserted[uid], "jwt": sign(credential, kid=kid, key=key)})
    db.session.execute(update(Credential), signed)
    return [values["id"] for values in signed]


def current_credential(certificate_id: int) -> Credential | None:
    return db.session.execute(select(Credential).where(
        Credential.certificate_id == certificate_id,
        Credential.superseded_at.is_(None))).scalar_one_or_none()


def revoke_for(cert: Certificate, now: datetime) -> None:
    """Set the status bit of every credential of the certificate."""
    db.session.execute(update(Credential).where(
        Credential.certificate_id == cert.id, Credential.revoked_at.is_(None))
        .values(revoked_at=now))


def reissue_for(cert: Certificate, now: datetime) -> int:
    """Supersede and revoke the current credential; issue a new one (a name fix)."""
    db.session.execute(update(Credential).where(
        Credential.certificate_id == cert.id, Credential.superseded_at.is_(None))
        .values(superseded_at=now, revoked_at=now))
    db.session.flush()
    return issue_for(cert, cert.user, now)


def issue_missing(*, now: datetime, limit: int = 500) -> int:
    """Credentials for certificates issued before credentials existed. Returns how many."""
    has_one = select(Credential.id).where(Credential.certificate_id == Certificate.id).exists()
    pending = db.session.execute(select(Certificate).where(~has_one)
                                 .order_by(Certificate.id).limit(limit)).scalars().all()
    for cert in pending:
        issue_for(cert, cert.user, now)
        if cert.is_revoked:
            revoke_for(cert, cert.revoked_at or now)
    return len(pending)


# --- reading -----------------------------------------------------------------------

JWT_CLAIMS = ("iss", "jti", "nbf", "iat", "exp", "vc")


def current_for(code: str) -> Credential:
    """The current credential of the certificate with this code. Raises NotFound."""
    from lms.certificates.service import get_certificate
    from lms.errors import NotFound

    credential = current_credential(get_certificate(code).id)
    if credential is None:
        raise NotFound("This certificate has no signed credential yet.")
    return credential


def unsigned(token: str) -> dict:
    """The credential inside one of our own stored JWTs (trusted: we signed it)."""
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return {name: value for name, value in claims.items() if name not in JWT_CLAIMS}


def linkedin_url(cert: Certificate) -> str:
    """LinkedIn's "Add to profile" link for a certification, filled in from the certificate."""
    params = {"startTask": "CERTIFICATION_NAME", "name": cert.course_title,
              "organizationName": current_settings().org_name,
              "issueYear": cert.issued_at.year, "issueMonth": cert.issued_at.month,
              "certUrl": site_url(f"/verify/{cert.code}"), "certId": cert.code}
    if cert.expires_on is not None:
        params |= {"expirationYear": cert.expires_on.year,
                   "expirationMonth": cert.expires_on.month}
    return "https://www.linkedin.com/profile/add?" + urlencode(params, quote_via=quote)


@dataclass(frozen=True)
class CredentialLinks:
    """What the verify page shows about the credential (download links on this site)."""

    jwt_url: str | None
    json_url: str | None
    linkedin_url: str
    status: str  # "active", "revoked" or "pending" (not signed yet)


def links_for(cert: Certificate) -> CredentialLinks:
    credential = current_credential(cert.id)
    if credential is None:
        return CredentialLinks(None, None, linkedin_url(cert), "pending")
    return CredentialLinks(f"/credentials/{cert.code}.jwt", f"/credentials/{cert.code}.json",
                           linkedin_url(cert),
                           "revoked" if credential.revoked_at is not None else "active")
