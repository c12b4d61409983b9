"""Public credential documents: the signed credential, its JSON, keys, issuer, status lists.

Served outside /api/v1 at the addresses the credentials themselves name (so a
wallet or verifier can follow them); nested under the certificates blueprint.
Lookups by certificate code share the verify page's rate limit.
The status list is served signed, as a VC-JWT, like the credentials.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from lms.certificates import credentials, verification
from lms.certificates.api import verify_limit
from lms.certificates.keys import issuer_keys
from lms.extensions import limiter, utcnow

bp = Blueprint("credentials", __name__)

VC_JWT = "application/vc+jwt"
#: Public documents that change rarely; status lists change on revocation.
CACHE = "public, max-age=300"


def _download(body: str, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": CACHE})


@bp.get("/credentials/<code>.jwt")
@limiter.shared_limit(verify_limit, scope="certificate-verify")
def credential_jwt(code: str):
    credential = credentials.current_for(code)
    return _download(credential.jwt, VC_JWT, f"credential-{credential.certificate.code}.jwt")


@bp.get("/credentials/<code>.json")
@limiter.shared_limit(verify_limit, scope="certificate-verify")
def credential_json(code: str):
    credential = credentials.current_for(code)
    body = jsonify(credentials.unsigned(credential.jwt)).get_data(as_text=True)
    return _download(body, "application/json", f"credential-{credential.certificate.code}.json")


@bp.get("/.well-known/jwks.json")
def jwks():
    response = jsonify(issuer_keys().public_jwks())
    response.headers["Cache-Control"] = CACHE
    return response


@bp.get("/issuer")
def issuer():
    response = jsonify(credentials.issuer_profile())
    response.headers["Cache-Control"] = CACHE
    return response


@bp.get("/credentials/status/<int:list_id>")
def status_list(list_id: int):
    token = verification.status_list_credential(list_id, utcnow())
    return Response(token, mimetype=VC_JWT, headers={"Cache-Control": "public, max-age=60"})
