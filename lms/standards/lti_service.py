"""LTI 1.3 tool: platform registration, OIDC login, launches, deep linking, scores back.

A launch is trusted only when everything holds at once: its state was issued by
our ``/lti/login`` for that platform, is fresh and unused; the ID token is signed
by a key of the platform's JWKS; ``iss``, ``aud``/``azp``, ``exp``/``iat``, the
nonce kept with the state, the registered deployment, the version and the message
type match (:func:`lms.standards.lti.verify_launch`). The state is used up in the
same transaction as the launch's rows, by a conditional update, so a replayed
token (or nonce) is refused even when two copies arrive together. Anything
refused changes nothing.

Members are found by (platform, ``sub``) only. A platform's ``email`` claim is
not proof of ownership, so it never links to an existing account here: a new
member takes the email when no account holds it, else an address of the
reserved ``.invalid`` domain (they can still take the course). A course that needs
a signup code cannot be opened from a platform.

Deep linking: an instructor's LtiDeepLinkingRequest gets a page of published
courses; the choice is carried in a short-lived signed token (no cookie is
needed) and answered with an LtiDeepLinkingResponse signed by the tool's key.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from lms import signals
from lms.accounts.models import User
from lms.accounts.passwords import hash_password
from lms.accounts.service import NAME_LENGTHS, find_by_email, normalize_email
from lms.catalog.enrolment import enrol
from lms.catalog.models import Course
from lms.errors import BadRequest, Conflict, Forbidden, NotFound, Unavailable
from lms.extensions import db, utcnow
from lms.standards import lti, lti_keys
from lms.standards.models import LtiIdentity, LtiLink, LtiLoginState, LtiPlatform
from lms.text import TextError, clean_text

log = logging.getLogger("lms.standards.lti")

#: How long a login's state and nonce wait for the platform's launch.
STATE_LIFETIME = timedelta(minutes=10)
#: How long an instructor may take to choose a course for a deep link.
CHOICE_SECONDS = 30 * 60
REFUSED = ("This launch from your course site could not be verified. Open the activity "
           "again from your course site; if it keeps failing, tell the site's staff.")


def _refuse(reason: str) -> BadRequest:
    log.warning("LTI launch refused: %s", reason)
    return BadRequest(REFUSED)


# --- OIDC third-party login -----------------------------------------------------------

def start_login(params: dict[str, str], launch_url: str, now: datetime | None = None) -> str:
    """The platform's authorization URL for this login, with a fresh state and nonce.

    ``params``: the platform's ``iss``, ``login_hint``, ``target_link_uri`` and the
    optional ``lti_message_hint`` and ``client_id``. Raises BadRequest when a
    parameter is missing or no registered platform matches.
    """
    issuer, hint = params.get("iss"), params.get("login_hint")
    if not issuer or not hint or not params.get("target_link_uri"):
        raise BadRequest("An LTI login needs iss, login_hint and target_link_uri.")
    platform = _platform_for_login(issuer, params.get("client_id"))
    now = now or utcnow()
    db.session.execute(delete(LtiLoginState).where(LtiLoginState.expires_at < now))
    login = LtiLoginState(state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
                          platform_id=platform.id, expires_at=now + STATE_LIFETIME)
    db.session.add(login)
    db.session.flush()
    query = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post",
             "prompt": "none", "client_id": platform.client_id, "redirect_uri": launch_url,
             "login_hint": hint, "state": login.state, "nonce": login.nonce}
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    separator = "&" if urlsplit(platform.auth_login_url).query else "?"
    return platform.auth_login_url + separator + urlencode(query)


def _platform_for_login(issuer: str, client_id: str | None) -> LtiPlatform:
    stmt = select(LtiPlatform).where(LtiPlatform.issuer == issuer)
    if client_id:
        stmt = stmt.where(LtiPlatform.client_id == client_id)
    found = db.session.scalars(stmt.limit(2)).all()
    if len(found) != 1:
        log.warning("LTI login refused: %d platforms for issuer %r, client %r",
                    len(found), issuer, client_id)
        raise BadRequest("This course site is not registered here (or sent no client_id "
                         "where several registrations share its issuer). Ask the site's staff.")
    return found[0]


# --- launches -------------------------------------------------------------------------

@dataclass(frozen=True)
class CourseLaunch:
    user: User
    course_slug: str


@dataclass(frozen=True)
class DeepLinkRequest:
    """What the chooser page needs: the signed request token and the courses to offer."""

    token: str
    courses: list[tuple[str, str]]


def launch(id_token: str | None, state: str | None,
           now: datetime | None = None) -> CourseLaunch | DeepLinkRequest:
    """Verify a launch (see the module docstring) and act on it.

    A resource link creates or finds the member, enrols them in the course and
    keeps where scores go; a deep-linking request from an instructor returns the
    chooser. Raises BadRequest (untrusted launch, no such course), Forbidden
    (deep linking by a learner, deactivated account), Unavailable (the
    platform's keys cannot be fetched), and whatever enrolling refuses.
    """
    now = now or utcnow()
    if not id_token or not state:
        raise _refuse("no id_token or state")
    login = db.session.scalar(select(LtiLoginState).where(LtiLoginState.state == state))
    if login is None or login.used_at is not None or login.expires_at < now:
        raise _refuse("unknown, used or expired state")
    platform = db.session.get(LtiPlatform, login.platform_id)
    claims = _verified_claims(id_token, platform, login.nonce, now)
    _use_state(login, now)
    if claims[lti.LTI + "message_type"] == lti.DEEP_LINKING:
        return _deep_link_request(platform, claims)
    return _resource_link(platform, claims, now)


def _verified_claims(id_token: str, platform: LtiPlatform, nonce: str,
                     now: datetime) -> dict[str, Any]:
    try:
        kid = lti.unverified_header(id_token).get("kid")
        key = lti.platform_key(platform.key_set_url, kid)
        expected = lti.Expected(platform.issuer, platform.client_id, platform.deployment_id,
                                nonce)
        return lti.verify_launch(id_token, key, expected, int(now.timestamp()))
    except lti.Refused as exc:
        raise _refuse(f"platform {platform.id}: {exc}") from exc
    except lti.PlatformUnavailable as exc:
        log.warning("LTI launch: %s", exc)
        raise Unavailable("Your course site's keys cannot be fetched just now. "
                          "Try again in a minute.") from exc


def _use_state(login: LtiLoginState, now: datetime) -> None:
    """Mark the state used; of two launches with it, only one gets past this (a launch
    refused later rolls this back with the rest, leaving the state as it was)."""
    used = db.session.execute(
        update(LtiLoginState).where(LtiLoginState.id == login.id, LtiLoginState.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))
    if used.rowcount != 1:
        raise _refuse("state used by a concurrent launch")


def _resource_link(platform: LtiPlatform, claims: dict, now: datetime) -> CourseLaunch:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise _refuse("a resource link launch without a usable sub (anonymous, or too long)")
    course = _linked_course(claims)
    user = _member_for(platform, subject, claims)
    enrol(user, course, now=now)
    _keep_link(platform, user, course, subject, claims, now)
    user.last_login_at = now
    db.session.flush()
    return CourseLaunch(user=user, course_slug=course.slug)


def _linked_course(claims: dict) -> Course:
    """The course of the link: the ``course`` custom parameter set by deep linking, else
    the ``/courses/<slug>`` path of ``target_link_uri``."""
    custom = claims.get(lti.LTI + "custom")
    slug = custom.get("course") if isinstance(custom, dict) else None
    if not isinstance(slug, str) or not slug:
        path = urlsplit(str(claims.get(lti.LTI + "target_link_uri") or "")).path
        parts = path.rstrip("/").split("/")
        slug = parts[-1] if len(parts) >= 2 and parts[-2] == "courses" else None
    course = db.session.scalar(select(Course).where(Course.slug == slug)) if slug else None
    if course is None or not course.is_published:
        raise NotFound("The course this link opens is not available. Ask your instructor "
                       "to choose the course again.")
    if course.access == "code":
        raise Forbidden("This course needs a signup code, so it cannot be opened from your "
                        "course site. Ask your instructor to choose another course.")
    return course


def _member_for(platform: LtiPlatform, subject: str, claims: dict) -> User:
    """The member of (platform, sub): found, or made with its identity in a savepoint, so
    that of two first launches at once the second finds the first one's member."""
    identity = _identity(platform, subject)
    if identity is None:
        try:
            with db.session.begin_nested():
                user = _new_member(platform, subject, claims)
                db.session.add(LtiIdentity(platform_id=platform.id, subject=subject,
                                           user_id=user.id))
        except IntegrityError:
            identity = _identity(platform, subject)
            if identity is None:
                raise Conflict("Another launch is setting up your account. Try again.") from None
    if identity is not None:
        user = db.session.get(User, identity.user_id)
    if not user.is_active:
        raise Forbidden("This account has been deactivated. Contact the site staff.")
    return user


def _identity(platform: LtiPlatform, subject: str) -> LtiIdentity | None:
    return db.session.scalar(select(LtiIdentity).where(
        LtiIdentity.platform_id == platform.id, LtiIdentity.subject == subject))


def _new_member(platform: LtiPlatform, subject: str, claims: dict) -> User:
    email = normalize_email(claims.get("email") if isinstance(claims.get("email"), str) else "")
    if not email or "@" not in email or len(email) > 254 or find_by_email(email) is not None:
        digest = hashlib.sha256(f"{platform.id}:{subject}".encode()).hexdigest()[:20]
        email = f"lti-{platform.id}-{digest}@lti.invalid"
    name = _display_name(claims)
    user = User(email=email, name=name, certificate_name=name,
                password_hash=hash_password(secrets.token_urlsafe(32)))
    db.session.add(user)
    db.session.flush()
    signals.member_registered.send(user.id, user=user)
    return user


def _display_name(claims: dict) -> str:
    given = " ".join(str(claims.get(part) or "") for part in ("given_name", "family_name"))
    for candidate in (claims.get("name"), given):
        try:
            return clean_text(str(candidate or ""), max_length=NAME_LENGTHS["name"],
                              required=True)
        except TextError:
            continue
    return "Learner"


def _keep_link(platform: LtiPlatform, user: User, course: Course, subject: str, claims: dict,
               now: datetime) -> None:
    """Insert or update the member's link to the course (one statement: safe when two
    launches of the same link arrive together)."""
    resource_link_id, lineitem, scopes = lti.resource_link_details(claims)
    if lineitem and (len(lineitem) > 500 or urlsplit(lineitem).scheme not in ("http", "https")):
        log.warning("LTI launch: line item %.80r is not a usable URL; no score goes back",
                    lineitem)
        lineitem = None
    values = {"subject": subject, "resource_link_id": resource_link_id[:255],
              "lineitem_url": lineitem, "scopes": scopes, "launched_at": now}
    insert = pg_insert if db.session.connection().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(LtiLink).values(platform_id=platform.id, user_id=user.id, course_id=course.id,
                               **values)
        .on_conflict_do_update(index_elements=["platform_id", "user_id", "course_id"],
                               set_=values))


# --- deep linking -----------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="lti-deep-link")


def _deep_link_request(platform: LtiPlatform, claims: dict) -> DeepLinkRequest:
    if not lti.may_choose_content(claims):
        raise Forbidden("Only an instructor of the course site can choose what this link opens.")
    settings = claims.get(lti.DL + "deep_linking_settings")
    return_url = settings.get("deep_link_return_url") if isinstance(settings, dict) else None
    if not isinstance(return_url, str) or urlsplit(return_url).scheme not in ("http", "https"):
        raise _refuse("a deep-linking request without deep_link_return_url")
    kept = {"platform_id": platform.id, "iss": claims["iss"],
            lti.LTI + "deployment_id": claims[lti.LTI + "deployment_id"],
            lti.DL + "deep_linking_settings": {"deep_link_return_url": return_url,
                                               **({"data": settings["data"]}
                                                  if "data" in settings else {})}}
    return DeepLinkRequest(token=_serializer().dumps(kept), courses=published_courses())


def published_courses() -> list[tuple[str, str]]:
    """(slug, title) of every published course that needs no signup code, by title."""
    rows = db.session.execute(select(Course.slug, Course.title)
                              .where(Course.status == "published", Course.access != "code")
                              .order_by(Course.title))
    return [(row.slug, row.title) for row in rows]


@dataclass(frozen=True)
class DeepLinkAnswer:
    return_url: str
    jwt: str


def answer_deep_link(token: str | None, slug: str | None, launch_url: str,
                     now: datetime | None = None) -> DeepLinkAnswer:
    """The signed LtiDeepLinkingResponse naming the chosen course, and where to post it.

    Raises BadRequest when the request token is forged or older than half an
    hour, NotFound when the course is not published.
    """
    try:
        kept = _serializer().loads(token or "", max_age=CHOICE_SECONDS)
    except BadSignature as exc:
        raise BadRequest("This choice has expired. Open the course picker again from your "
                         "course site.") from exc
    platform = db.session.get(LtiPlatform, kept["platform_id"])
    course = db.session.scalar(select(Course).where(Course.slug == (slug or "")))
    if platform is None or course is None or not course.is_published \
            or course.access == "code":
        raise NotFound("Choose one of the published courses listed.")
    now = now or utcnow()
    claims = lti.deep_linking_response(kept, client_id=platform.client_id, title=course.title,
                                       url=launch_url, course_slug=course.slug,
                                       now=int(now.timestamp()))
    key = lti_keys.tool_key()
    return DeepLinkAnswer(
        return_url=kept[lti.DL + "deep_linking_settings"]["deep_link_return_url"],
        jwt=lti.sign(claims, key.key, key.kid))
