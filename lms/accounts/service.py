"""Accounts: registration, login, sessions, profile, passwords, and who may act.

Staff managing members are in ``staff``; applications to teach in ``teaching``.

Plain functions; each checks who may act, flushes, and leaves the commit to the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import Integer, bindparam, select

from lms import jobs, mail, ratelimit, signals
from lms.accounts.models import CAREER_STAGES, ORG_TYPES, User
from lms.accounts.passwords import (
    hash_password,
    make_reset_token,
    needs_rehash,
    password_matches,
    password_problems,
    user_for_reset_token,
)
from lms.accounts.tokens import revoke_all_api_tokens
from lms.errors import Conflict, Forbidden, Unauthorized, ValidationError
from lms.extensions import db, utcnow
from lms.text import TextError, clean_text


@dataclass(frozen=True)
class Registration:
    email: str
    password: str
    name: str
    certificate_name: str | None = None
    career_stage: str | None = None
    org_type: str | None = None


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def _email_problem(email: str) -> str | None:
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return "Enter a valid email address, like name@library.org."
    return None


#: Longest name and name for certificates (their columns' lengths).
NAME_LENGTHS = {"name": 120, "certificate_name": 200}


def _clean_profile(fields: dict) -> tuple[dict, dict[str, list[str]]]:
    """``fields`` with names cleaned by :func:`lms.text.clean_text`, and the field errors."""
    clean, errors = dict(fields), {}
    for key, limit in NAME_LENGTHS.items():
        if key not in fields:
            continue
        try:
            clean[key] = clean_text(fields[key], max_length=limit, required=key == "name")
        except TextError as exc:
            errors[key] = [_name_message(str(exc), limit)]
    if fields.get("career_stage") not in (None, "", *CAREER_STAGES):
        errors["career_stage"] = ["Choose one of the listed career stages."]
    if fields.get("org_type") not in (None, "", *ORG_TYPES):
        errors["org_type"] = ["Choose one of the listed organisation types."]
    if "time_zone" in fields and not is_time_zone(fields["time_zone"]):
        errors["time_zone"] = ["Use an IANA time zone name, such as America/Chicago or UTC."]
    return clean, errors


def is_time_zone(name: object) -> bool:
    """True for a time zone name ``zoneinfo`` knows (``Europe/Lisbon``, ``UTC``)."""
    if not isinstance(name, str) or not name or len(name) > 64 or name.startswith(("/", ".")):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _name_message(message: str, limit: int) -> str:
    if message == "This field is required.":
        return "Enter your name."
    if message.startswith("At most"):
        return f"Use at most {limit} characters."
    return message


def find_by_email(email: str) -> User | None:
    return db.session.execute(
        select(User).where(User.email == normalize_email(email))
    ).scalar_one_or_none()


def register_member(data: Registration) -> User:
    """Create a member account.

    Raises ValidationError (field messages) or Conflict when the email is taken.
    """
    email = normalize_email(data.email)
    names, errors = _clean_profile(
        {"name": data.name, "certificate_name": data.certificate_name,
         "career_stage": data.career_stage, "org_type": data.org_type}
    )
    if problem := _email_problem(email):
        errors["email"] = [problem]
    if problems := password_problems(data.password, email):
        errors["password"] = problems
    if errors:
        raise ValidationError("Please correct the marked fields.", errors=errors)
    if find_by_email(email):
        raise Conflict(
            "An account with this email already exists.",
            errors={"email": ["An account with this email already exists. Try logging in."]},
        )
    user = User(
        email=email,
        name=names["name"],
        certificate_name=names["certificate_name"] or names["name"],
        password_hash=hash_password(data.password),
        career_stage=data.career_stage or None,
        org_type=data.org_type or None,
    )
    db.session.add(user)
    db.session.flush()
    signals.member_registered.send(user.id, user=user)
    return user


def authenticate(email: str, password: str, remote_addr: str) -> User:
    """Return the member with these credentials.

    The one check of an email and password (login page and API tokens alike).
    Failed attempts are limited per account and per address (RateLimited); the
    error never says whether the email exists (Unauthorized), nor does the time
    it takes: an unknown email costs a password hash like a wrong password.
    """
    email = normalize_email(email)
    keys = [f"email:{email}", f"ip:{remote_addr}"]
    ratelimit.check_failures("login", keys)
    user = find_by_email(email)
    if not password_matches(user.password_hash if user else None, password):
        ratelimit.record_failure("login", keys)
        raise Unauthorized("Email or password is incorrect.")
    if not user.is_active:
        raise Unauthorized("This account has been deactivated. Contact the site staff.")
    if refusal := password_login_refusal(user):
        raise Unauthorized(refusal)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def password_login_refusal(user: User) -> str | None:
    """Why this member may not log in with a password, or None when they may.

    With ``LMS_OIDC_ONLY``, members who have signed in through the association's
    provider (lms/accounts/sso.py) sign in only there, where their account is managed.
    Told only after the right password, so it reveals nothing to someone guessing.
    """
    config = current_app.config
    if user.sso_subject is None or not (config["OIDC_ONLY"] and config["OIDC_ISSUER"]):
        return None
    name = config["OIDC_NAME"]
    return f"Your account signs in through {name}: use “Log in with {name}” on the login page."


#: Built once: every request of a logged-in member runs it (a third cheaper than ``get``).
_SESSION_USER = select(User).where(User.id == bindparam("user_id", type_=Integer))


def load_session_user(session_id: str) -> User | None:
    """Resolve a session or remember-me id ``"<user id>:<session version>"``."""
    parts = session_id_parts(session_id)
    if parts is None:
        return None
    user_id, version = parts
    user = db.session.execute(_SESSION_USER, {"user_id": user_id}).scalar_one_or_none()
    if user is None or not user.is_active or user.session_version != version:
        return None
    return user


def session_id_parts(session_id: str | None) -> tuple[int, int] | None:
    """``(user id, session version)`` of a session id ``"<user id>:<version>"``, or None."""
    user_id, _, version = str(session_id or "").partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    return int(user_id), int(version)


def end_all_sessions(user: User) -> None:
    """Invalidate every session and remember-me cookie of this member."""
    user.session_version += 1
    db.session.flush()


def revoke_credentials(user: User, now: datetime | None = None) -> None:
    """End every session and revoke every API token of this member.

    Done whenever the password changes (profile, API or reset) and when staff
    deactivate the account: a stolen cookie or token must outlive neither.
    """
    end_all_sessions(user)
    revoke_all_api_tokens(user, now)


def update_profile(user: User, fields: dict) -> User:
    """Change name, certificate name, career stage, organisation type or time zone."""
    allowed = {"name", "certificate_name", "career_stage", "org_type", "time_zone"}
    changes, errors = _clean_profile({key: value for key, value in fields.items()
                                      if key in allowed})
    if errors:
        raise ValidationError("Please correct the marked fields.", errors=errors)
    for key, value in changes.items():
        if key in ("career_stage", "org_type"):
            value = value or None
        if key == "certificate_name" and not value:
            value = changes.get("name") or user.name
        setattr(user, key, value)
    db.session.flush()
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Set a new password after checking the current one; ends all sessions and revokes
    every API token (the caller keeps its own browser session by logging in again)."""
    if not password_matches(user.password_hash, current_password):
        raise ValidationError(
            "Your current password is not right.",
            errors={"current_password": ["Your current password is not right."]},
        )
    _set_password(user, new_password)


def _set_password(user: User, new_password: str, now: datetime | None = None) -> None:
    if problems := password_problems(new_password, user.email):
        raise ValidationError("Choose a stronger password.", errors={"password": problems})
    user.password_hash = hash_password(new_password)
    revoke_credentials(user, now)


def request_password_reset(email: str, reset_url_for) -> None:
    """Mail a reset link if an active account has this email; callers answer the same.

    Known and unknown addresses cost the request the same: both count against
    the per-address mail limit and queue one job, which looks the address up and
    mails only a real, active account. Neither the answer nor its timing tells
    whether an account exists. At most ``RESET_MAIL_LIMIT`` messages go to one
    address, so the form cannot flood someone's inbox; extra requests are dropped
    silently. ``reset_url_for(token)`` builds the link (made here, in the request).
    """
    email = normalize_email(email)
    if ratelimit.allow("reset-mail", email, current_app.config["RESET_MAIL_LIMIT"]):
        jobs.enqueue(RESET_MAIL_JOB, email=email, link=reset_url_for(_TOKEN_SLOT))


RESET_MAIL_JOB = "accounts.reset_mail"
#: Stands for the token in the link a reset job is given (URL-safe, so it survives url_for).
_TOKEN_SLOT = "TOKEN-SLOT"


@jobs.task(RESET_MAIL_JOB)
def send_reset_mail(email: str, link: str) -> None:
    """The job: a fresh reset token mailed to the account, if there is an active one."""
    user = find_by_email(email)
    if user is None or not user.is_active:
        return
    token_link = link.replace(_TOKEN_SLOT, make_reset_token(user))
    mail.send_mail(user.email, "Reset your Core Learning password",
                   _reset_mail_body(user.name, token_link))


def _reset_mail_body(name: str, link: str) -> str:
    minutes = current_app.config["RESET_TOKEN_SECONDS"] // 60
    return (
        f"Hello {name},\n\nSomeone asked to reset the password of your Core Learning "
        f"account. To choose a new password, open this link within {minutes} minutes:\n\n"
        f"{link}\n\nIf it was not you, ignore this message; your password stays the same.\n"
    )


def reset_password(token: str, new_password: str, now: datetime | None = None) -> User:
    """Set a new password from a reset link; ends every session and revokes API tokens.

    A reset is how members recover an account someone else may control, so
    every credential issued before it stops working.
    """
    user = user_for_reset_token(token, now)
    _set_password(user, new_password, now)
    return user


def require_admin(actor: User | None) -> User:
    if actor is None:
        raise Unauthorized("Log in first.")
    if not actor.is_admin:
        raise Forbidden("Only site staff can do this.")
    return actor


def require_instructor(actor: User | None) -> User:
    if actor is None:
        raise Unauthorized("Log in first.")
    if not actor.can_teach:
        raise Forbidden("Only instructors can do this.")
    return actor
