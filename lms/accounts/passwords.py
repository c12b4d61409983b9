"""Password hashing and rules, and password-reset links (signed, expiring, single-use)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from lms.accounts.models import User
from lms.errors import NotFound
from lms.extensions import db, utcnow

MIN_PASSWORD_LENGTH = 10

COMMON_PASSWORDS = frozenset(
    {"password", "password1", "password12", "password123", "1234567890", "qwertyuiop",
     "123456789a", "iloveyou12", "letmein123", "welcome123", "library123", "librarian1"}
)


#: One hash per hashing method, of a password nobody has, made on first use.
_dummy_hashes: dict[str, str] = {}


def hash_password(password: str) -> str:
    """Hash a new password with the configured method (``PASSWORD_HASH_METHOD``)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` is the one ``password_hash`` was made from.

    With no hash (no such account) the password is checked against a dummy hash
    made like real ones, so that an unknown email takes as long as a wrong
    password and timing does not tell which accounts exist.
    """
    matches = check_password_hash(password_hash or _dummy_hash(), password or "")
    return matches and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with other settings than ``PASSWORD_HASH_METHOD``
    (rehashed at the next login, so every account costs what the dummy hash does)."""
    return password_hash.split("$", 1)[0] != _dummy_hash().split("$", 1)[0]


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash(secrets.token_urlsafe(16), method=method)
    return _dummy_hashes[method]


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


def _password_fingerprint(password_hash: str) -> str:
    """Changes whenever the password does, so a used token cannot be used again."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def make_reset_token(user: User | None) -> str:
    """A reset token for ``user``; for None, one that matches no account, made the same way."""
    uid, password_hash = (user.id, user.password_hash) if user else (0, _dummy_hash())
    return _reset_serializer().dumps({"uid": uid, "pw": _password_fingerprint(password_hash)})


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
    if user is None or not user.is_active or payload.get("pw") != _password_fingerprint(
            user.password_hash):
        raise invalid
    return user
