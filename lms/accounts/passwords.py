"""Password rules and password-reset links (signed, expiring, single-use)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from lms.accounts.models import User
from lms.errors import NotFound
from lms.extensions import db, utcnow

MIN_PASSWORD_LENGTH = 10

COMMON_PASSWORDS = frozenset(
    {"password", "password1", "password12", "password123", "1234567890", "qwertyuiop",
     "123456789a", "iloveyou12", "letmein123", "welcome123", "library123", "librarian1"}
)


def password_problems(password: str, email: str = "") -> list[str]:
    """Why a password is too weak, in words a member can act on (empty when fine)."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return [f"Use at least {MIN_PASSWORD_LENGTH} characters."]
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        return ["This password is too easy to guess; add unusual words or characters."]
    if email and password.lower() == email.strip().lower():
        return ["Your password must not be your email address."]
    return []


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _password_fingerprint(user: User) -> str:
    """Changes whenever the password does, so a used token cannot be used again."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_reset_token(user: User) -> str:
    return _reset_serializer().dumps({"uid": user.id, "pw": _password_fingerprint(user)})


def user_for_reset_token(token: str, now: datetime | None = None) -> User:
    """The member a reset token was made for.

    Raises NotFound when the token is forged, older than ``RESET_TOKEN_SECONDS``
    at ``now``, already used (the password changed since) or its member is inactive.
    """
    invalid = NotFound("This reset link has expired or was already used. Ask for a new one.")
    try:
        payload, signed_at = _reset_serializer().loads(token, return_timestamp=True)
    except BadSignature:
        raise invalid from None
    max_age = timedelta(seconds=current_app.config["RESET_TOKEN_SECONDS"])
    if (now or utcnow()) - signed_at > max_age or not isinstance(payload, dict):
        raise invalid
    user = db.session.get(User, payload.get("uid"))
    if user is None or not user.is_active or payload.get("pw") != _password_fingerprint(user):
        raise invalid
    return user
