"""Staff register the LTI 1.3 platforms that may launch this tool."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select

from lms.accounts.models import User
from lms.accounts.service import require_admin
from lms.errors import Conflict, ValidationError
from lms.extensions import db
from lms.standards.models import LtiPlatform
from lms.text import TextError, clean_text

#: Field → longest value (the column sizes).
FIELDS = {"issuer": 255, "client_id": 255, "deployment_id": 255, "auth_login_url": 500,
          "auth_token_url": 500, "key_set_url": 500}
URL_FIELDS = ("auth_login_url", "auth_token_url", "key_set_url")
LOOPBACK_NAMES = ("localhost",)


@dataclass(frozen=True)
class ToolUrls:
    """What staff give the platform when they register this tool there."""

    login_url: str
    launch_url: str
    jwks_url: str


def register_platform(actor: User | None, data: dict) -> LtiPlatform:
    """Add a platform. Raises Unauthorized/Forbidden (not staff), ValidationError (a
    missing field, a URL that is not https — http only on this machine), Conflict (the
    issuer and client id are registered already)."""
    require_admin(actor)
    values, errors = {}, {}
    for name, limit in FIELDS.items():
        try:
            values[name] = clean_text(data.get(name), max_length=limit, required=True)
        except TextError as exc:
            errors[name] = [str(exc)]
            continue
        if name in URL_FIELDS and not _acceptable_url(values[name]):
            errors[name] = ["Enter an https:// URL (http:// only for this machine)."]
        elif name == "issuer" and urlsplit(values[name]).scheme not in ("http", "https"):
            errors[name] = ["The issuer is the platform's URL, as in its ID tokens."]
    if errors:
        raise ValidationError("Check the platform's fields.", errors=errors)
    if _exists(values["issuer"], values["client_id"]):
        raise Conflict("This platform (issuer and client id) is registered already.",
                       errors={"client_id": ["Registered already for this issuer."]})
    platform = LtiPlatform(**values)
    db.session.add(platform)
    db.session.flush()
    return platform


def _exists(issuer: str, client_id: str) -> bool:
    return db.session.scalar(select(LtiPlatform.id).where(
        LtiPlatform.issuer == issuer, LtiPlatform.client_id == client_id)) is not None


def _acceptable_url(url: str) -> bool:
    parts = urlsplit(url)
    if not parts.hostname or parts.username or parts.password:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and _is_loopback(parts.hostname)


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def platforms(actor: User | None) -> list[LtiPlatform]:
    """Every registered platform, newest first (staff only)."""
    require_admin(actor)
    return list(db.session.scalars(select(LtiPlatform).order_by(LtiPlatform.id.desc())))


def tool_urls(base_url: str) -> ToolUrls:
    base = base_url.rstrip("/")
    return ToolUrls(login_url=f"{base}/lti/login", launch_url=f"{base}/lti/launch",
                    jwks_url=f"{base}/lti/jwks.json")
