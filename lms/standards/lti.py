"""LTI 1.3 as data: ID token checks, the messages the tool signs, and the platform's HTTP.

No Flask and no database here: the service hands in the platform's settings,
the expected nonce and the tool's key, and gets verified claims or signed JWTs
back. Tokens are RS256 only (LTI Security Framework §5.1.3): a token signed with
any other algorithm, ``none`` included, is refused before its claims are read.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey
from joserfc.jwt import JWTClaimsRegistry

ALG = "RS256"
VERSION = "1.3.0"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"
#: Roles (LTI 1.3 §A.2) that may choose what a deep link opens.
CHOOSER_ROLES = ("Instructor", "Administrator", "ContentDeveloper")
#: Seconds of clock difference with a platform that are forgiven on ``exp`` and ``iat``.
LEEWAY = 60
#: Seconds to wait for a platform (its keys, its token endpoint, its scores endpoint).
TIMEOUT = 10
#: A platform's key set is fetched again after this many seconds, or for an unknown kid
#: (after a key rotation) once it is this many seconds old: forged kids cannot make us
#: fetch the platform's keys on every launch.
KEY_SET_TTL, KEY_SET_MIN_AGE = 600, 10


class Refused(Exception):
    """The ID token cannot be trusted; ``reason`` is for the log, not the browser."""


class PlatformUnavailable(Exception):
    """The platform did not answer, or answered with a passing error (5xx, 429)."""


class PlatformRefused(Exception):
    """The platform answered a request of ours with a lasting refusal (4xx)."""


@dataclass(frozen=True)
class Expected:
    """What a launch's ID token must say: the registered platform and the login's nonce."""

    issuer: str
    client_id: str
    deployment_id: str
    nonce: str


def unverified_header(id_token: str) -> dict[str, Any]:
    """The JOSE header, read before any key is chosen. Raises Refused when malformed."""
    try:
        return dict(jws.extract_compact(id_token.encode()).headers())
    except (JoseError, ValueError, UnicodeError) as exc:
        raise Refused(f"not a compact JWS: {exc}") from exc


def verify_launch(id_token: str, key: RSAKey, expected: Expected, now: int) -> dict[str, Any]:
    """The claims of a launch ID token signed by ``key``, once every LTI rule holds.

    Checks the RS256 signature, ``iss``, ``aud`` (with ``azp`` when it is a list),
    ``exp``/``iat``, ``nonce``, the deployment, the LTI version and the message type.
    Raises Refused naming the first rule broken.
    """
    try:
        token = jwt.decode(id_token, key, algorithms=[ALG])
    except (JoseError, ValueError) as exc:
        raise Refused(f"signature: {exc}") from exc
    claims = dict(token.claims)
    registry = JWTClaimsRegistry(
        now=now, leeway=LEEWAY, iss={"essential": True, "value": expected.issuer},
        exp={"essential": True}, iat={"essential": True},
        nonce={"essential": True, "value": expected.nonce}, sub={"essential": False})
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise Refused(f"claims: {exc}") from exc
    _check_audience(claims, expected.client_id)
    _check_lti(claims, expected.deployment_id)
    return claims


def _check_audience(claims: dict, client_id: str) -> None:
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, list) or client_id not in audiences:
        raise Refused(f"audience {audience!r} is not this tool's client id")
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise Refused("several audiences and no azp naming this tool")


def _check_lti(claims: dict, deployment_id: str) -> None:
    if claims.get(LTI + "version") != VERSION:
        raise Refused(f"LTI version {claims.get(LTI + 'version')!r}")
    if claims.get(LTI + "deployment_id") != deployment_id:
        raise Refused(f"unknown deployment {claims.get(LTI + 'deployment_id')!r}")
    if claims.get(LTI + "message_type") not in (RESOURCE_LINK, DEEP_LINKING):
        raise Refused(f"message type {claims.get(LTI + 'message_type')!r}")


def may_choose_content(claims: dict) -> bool:
    """Whether the launching user holds a role that may pick what a deep link opens."""
    roles = claims.get(LTI + "roles") or []
    return isinstance(roles, list) and any(
        isinstance(role, str) and role.rsplit("#", 1)[-1] in CHOOSER_ROLES for role in roles)


def sign(claims: dict[str, Any], key: RSAKey, kid: str) -> str:
    return jwt.encode({"alg": ALG, "typ": "JWT", "kid": kid}, claims, key, algorithms=[ALG])


def deep_linking_response(request_claims: dict, *, client_id: str, title: str, url: str,
                          course_slug: str, now: int) -> dict[str, Any]:
    """The claims of an LtiDeepLinkingResponse offering one resource link to a course."""
    settings = request_claims.get(DL + "deep_linking_settings") or {}
    claims = {
        "iss": client_id, "aud": request_claims["iss"], "iat": now, "exp": now + 600,
        "nonce": secrets.token_urlsafe(16),
        LTI + "deployment_id": request_claims[LTI + "deployment_id"],
        LTI + "message_type": "LtiDeepLinkingResponse", LTI + "version": VERSION,
        DL + "content_items": [{
            "type": "ltiResourceLink", "title": title, "url": url,
            "custom": {"course": course_slug},
            "lineItem": {"scoreMaximum": 100, "label": title}}],
    }
    if "data" in settings:
        claims[DL + "data"] = settings["data"]
    return claims


def resource_link_details(claims: dict) -> tuple[str, str | None, str]:
    """(resource link id, AGS line item URL or None, granted AGS scopes space-separated)."""
    link = claims.get(LTI + "resource_link") or {}
    endpoint = claims.get(AGS_ENDPOINT) or {}
    scopes = endpoint.get("scope") if isinstance(endpoint, dict) else None
    lineitem = endpoint.get("lineitem") if isinstance(endpoint, dict) else None
    return (str(link.get("id") or "") if isinstance(link, dict) else "",
            lineitem if isinstance(lineitem, str) else None,
            " ".join(s for s in scopes if isinstance(s, str)) if isinstance(scopes, list) else "")


# --- the platform's key sets ------------------------------------------------------

_key_sets: dict[str, tuple[float, KeySet]] = {}
_key_sets_lock = threading.Lock()


def platform_key(key_set_url: str, kid: str | None) -> RSAKey:
    """The platform's key named ``kid`` from its JWKS (cached; fetched again once when
    the kid is unknown, as after a key rotation). Raises Refused, PlatformUnavailable."""
    with _key_sets_lock:
        cached = _key_sets.get(key_set_url)
    age = time.monotonic() - cached[0] if cached is not None else None
    key = _pick(cached[1], kid) if age is not None and age < KEY_SET_TTL else None
    if key is None and (age is None or age >= KEY_SET_MIN_AGE):
        key_set = _fetch_key_set(key_set_url)
        with _key_sets_lock:
            _key_sets[key_set_url] = (time.monotonic(), key_set)
        key = _pick(key_set, kid)
    if key is None:
        raise Refused(f"the platform's key set has no RSA key {kid!r}")
    return key


def _pick(key_set: KeySet, kid: str | None) -> RSAKey | None:
    keys = [key for key in key_set.keys if isinstance(key, RSAKey)]
    if kid is None:
        return keys[0] if len(keys) == 1 else None
    return next((key for key in keys if key.kid == kid), None)


def _fetch_key_set(url: str) -> KeySet:
    try:
        response = requests.get(url, timeout=TIMEOUT, headers={"Accept": "application/json"})
        response.raise_for_status()
        return KeySet.import_key_set(response.json())
    except requests.RequestException as exc:
        raise PlatformUnavailable(f"the platform's key set at {url}: {exc}") from exc
    except (JoseError, ValueError, TypeError) as exc:
        raise Refused(f"the platform's key set at {url} is not a JWKS: {exc}") from exc


# --- Assignment and Grade Services ----------------------------------------------------

def access_token(token_url: str, client_id: str, key: RSAKey, kid: str, now: int) -> str:
    """An AGS access token for the score scope, by the client-credentials grant with a
    JWT client assertion signed by the tool's key (LTI Security Framework §4.1)."""
    assertion = sign({"iss": client_id, "sub": client_id, "aud": token_url, "iat": now,
                      "exp": now + 300, "jti": secrets.token_urlsafe(16)}, key, kid)
    body = _call("POST", token_url, data={
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion, "scope": SCORE_SCOPE})
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise PlatformRefused(f"the token endpoint {token_url} gave no access token")
    return token


def scores_url(lineitem_url: str) -> str:
    """``<lineitem>/scores``, keeping the line item URL's query (AGS 2.0 §3.4)."""
    parts = urlsplit(lineitem_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def post_score(lineitem_url: str, token: str, score: dict[str, Any]) -> None:
    _call("POST", scores_url(lineitem_url), json=score, headers={
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/vnd.ims.lis.v1.score+json"})


def _call(method: str, url: str, **kwargs) -> Any:
    try:
        response = requests.request(method, url, timeout=TIMEOUT, **kwargs)
    except requests.RequestException as exc:
        raise PlatformUnavailable(f"{method} {url}: {exc}") from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise PlatformUnavailable(f"{method} {url} answered {response.status_code}")
    if response.status_code >= 400:
        raise PlatformRefused(f"{method} {url} answered {response.status_code}: "
                              f"{response.text[:300]}")
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None
