"""API tokens: random, shown once, stored as SHA-256, expiring and revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, select

from lms.accounts.models import ApiToken, User
from lms.errors import NotFound
from lms.extensions import UTCDateTime, db, utcnow

TOKEN_PREFIX = "lms_"


@dataclass(frozen=True)
class Credential:
    """Who a request says it is, not yet confirmed by the database: a Bearer token's
    hash, or the signed session's member id and session version."""

    token_hash: str | None = None
    user_id: int | None = None
    session_version: int | None = None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(user: User, name: str = "API token", now: datetime | None = None):
    """Create a token; returns ``(token, ApiToken)`` — the token is shown only now."""
    now = now or utcnow()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    days = current_app.config["API_TOKEN_DAYS"]
    record = ApiToken(
        user=user, name=(name or "API token")[:80], token_hash=hash_token(token),
        created_at=now, expires_at=now + timedelta(days=days),
    )
    db.session.add(record)
    db.session.flush()
    return token, record


#: Built once: every API request runs it. Loads the member only, not the token row.
_TOKEN_USER = (select(User).join(ApiToken, ApiToken.user_id == User.id)
               .where(ApiToken.token_hash == bindparam("token_hash"),
                      ApiToken.revoked_at.is_(None),
                      ApiToken.expires_at > bindparam("now", type_=UTCDateTime()),
                      User.is_active))


def user_for_api_token(token: str, now: datetime | None = None) -> User | None:
    """The active member owning a valid, unexpired, unrevoked token."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    return db.session.execute(_TOKEN_USER, {"token_hash": hash_token(token),
                                            "now": now or utcnow()}).scalar_one_or_none()


def active_tokens(user: User) -> list[ApiToken]:
    return list(db.session.execute(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc())
    ).scalars())


def revoke_api_token(user: User, token_id: int) -> None:
    record = db.session.get(ApiToken, token_id)
    if record is None or record.user_id != user.id:
        raise NotFound("No such token.")
    record.revoked_at = record.revoked_at or utcnow()
    db.session.flush()


def revoke_all_api_tokens(user: User, now: datetime | None = None) -> None:
    """Revoke every token of ``user`` still in force (see ``service.revoke_credentials``)."""
    for record in active_tokens(user):
        record.revoked_at = now or utcnow()
    db.session.flush()
