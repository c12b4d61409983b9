"""Single sign-on with the association's OpenID Connect provider (``LMS_OIDC_*``).

Authlib's Flask client runs the authorization code flow with PKCE (S256), a
``state`` and a ``nonce``, both kept in the member's session and cleared at the
callback, so each works once. The ID token is checked here beyond what Authlib
checks: its issuer must be the configured one (never just what the discovery
document says), as must the discovery document's own issuer and the ``iss`` of
the authorization response (RFC 9207), so no other provider can sign a member in.

A verified email links to the account with that email, or a new account is made;
the provider's ``sub`` is kept on the account, which finds it from then on. With
``LMS_OIDC_ONLY`` such members no longer log in with a password (``authenticate``).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import current_app, request
from joserfc.errors import JoseError
from sqlalchemy import select
from werkzeug.wrappers import Response

from lms import signals
from lms.accounts.models import User
from lms.accounts.passwords import hash_password
from lms.accounts.service import NAME_LENGTHS, find_by_email, normalize_email
from lms.errors import BadRequest, Forbidden, NotFound, Unauthorized, Unavailable
from lms.extensions import db, utcnow
from lms.text import TextError, clean_text

log = logging.getLogger("lms.accounts.sso")

#: Seconds to wait for the provider (discovery, keys, token) before giving up.
PROVIDER_TIMEOUT = 10
#: Errors of the flow itself: Authlib's (state, provider errors), the ID token's checks.
FLOW_ERRORS = (AuthlibBaseError, JoseError)


@dataclass(frozen=True)
class Identity:
    """What a verified ID token says about the member."""

    subject: str
    email: str
    email_verified: bool
    name: str


def is_enabled() -> bool:
    return bool(current_app.config.get("OIDC_ISSUER"))


def provider_name() -> str:
    return current_app.config["OIDC_NAME"]


def _issuer() -> str:
    return current_app.config["OIDC_ISSUER"].rstrip("/")


def _client():
    """This app's Authlib client for the configured provider (made once per settings)."""
    if not is_enabled():
        raise NotFound("Single sign-on is not set up on this site.")
    config = current_app.config
    key = (_issuer(), config["OIDC_CLIENT_ID"], config["OIDC_CLIENT_SECRET"])
    clients = current_app.extensions.setdefault("lms_sso_clients", {})
    if key not in clients:
        oauth = OAuth(current_app._get_current_object())
        clients[key] = oauth.register(
            "sso", client_id=key[1], client_secret=key[2],
            server_metadata_url=f"{key[0]}/.well-known/openid-configuration",
            client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256",
                           "default_timeout": PROVIDER_TIMEOUT})
    return clients[key]


def _checked_client():
    """The client, once the provider's discovery document names the configured issuer."""
    client = _client()
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        log.warning("single sign-on: discovery failed: %s", exc)
        raise Unavailable(f"{provider_name()} cannot be reached just now. Try again in a "
                          "minute, or log in with your password.") from exc
    if metadata.get("issuer", "").rstrip("/") != _issuer():
        log.warning("single sign-on: discovery names issuer %r", metadata.get("issuer"))
        raise _refused()
    return client


def _refused() -> BadRequest:
    return BadRequest(f"We could not confirm your sign-in with {provider_name()}. Start again "
                      "from the login page.")


def login_redirect(redirect_uri: str) -> Response:
    """The redirect to the provider's login page, with fresh state, nonce and PKCE verifier."""
    return _checked_client().authorize_redirect(redirect_uri)


def finish_login() -> User:
    """The member the provider's callback (this request) signs in: linked or created.

    Raises BadRequest when the response cannot be trusted (state unknown or used,
    token not from the configured issuer, bad signature, wrong nonce or audience),
    Forbidden for an unverified email, Unauthorized for a deactivated account.
    """
    identity = _verified_identity()
    user = _member_for(identity)
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def _check_response() -> None:
    """Refuse a callback that reports an error or names another issuer (RFC 9207).

    The provider's error text is logged, not shown: anyone can put words in this URL.
    """
    if request.args.get("error"):
        log.info("single sign-on: the provider answered %r", request.args.get("error"))
        raise BadRequest(f"{provider_name()} did not sign you in. Start again from the "
                         "login page.")
    if "iss" in request.args and request.args["iss"].rstrip("/") != _issuer():
        log.warning("single sign-on refused: the response names issuer %r", request.args["iss"])
        raise _refused()


def _verified_identity() -> Identity:
    client = _checked_client()
    _check_response()
    claims_options = {"iss": {"essential": True, "values": [_issuer()]}}
    try:
        token = client.authorize_access_token(claims_options=claims_options)
    except FLOW_ERRORS as exc:
        log.warning("single sign-on refused: %r", exc)
        raise _refused() from exc
    except requests.RequestException as exc:
        raise Unavailable(f"{provider_name()} cannot be reached just now. Try again.") from exc
    claims = token.get("userinfo")
    if not claims or not claims.get("sub") or claims.get("iss", "").rstrip("/") != _issuer():
        raise _refused()
    return _identity(client, token, claims)


def _identity(client, token: dict, claims: dict) -> Identity:
    """The member's identity from the ID token, with the UserInfo endpoint's claims when
    the token carries no email (providers may put scope claims only there, OIDC 5.4).
    The UserInfo answer counts only for the token's own ``sub`` (OIDC 5.3.2)."""
    if "email" not in claims and client.load_server_metadata().get("userinfo_endpoint"):
        try:
            extra = client.userinfo(token=token)
        except (requests.RequestException, *FLOW_ERRORS) as exc:
            raise Unavailable(f"{provider_name()} cannot be reached just now. "
                              "Try again.") from exc
        if extra.get("sub") != claims["sub"]:
            raise _refused()
        claims = {**extra, **claims}
    return Identity(subject=str(claims["sub"]), email=normalize_email(claims.get("email", "")),
                    email_verified=claims.get("email_verified") is True,
                    name=str(claims.get("name") or ""))


def _member_for(identity: Identity) -> User:
    """The account of this identity: by ``sub``, else by verified email, else a new one."""
    user = db.session.execute(
        select(User).where(User.sso_subject == identity.subject)).scalar_one_or_none()
    if user is None:
        user = _link_or_create(identity)
    if not user.is_active:
        raise Unauthorized("This account has been deactivated. Contact the site staff.")
    return user


def _link_or_create(identity: Identity) -> User:
    if not identity.email or not identity.email_verified:
        raise Forbidden(
            f"{provider_name()} has not verified your email address, so we cannot match it to "
            f"an account here. Verify your email with {provider_name()}, then try again.")
    user = find_by_email(identity.email)
    if user is None:
        return _create_member(identity)
    if user.sso_subject is not None:
        raise Forbidden("This email address already belongs to another single sign-on account. "
                        "Contact the site staff.")
    user.sso_subject = identity.subject
    return user


def _create_member(identity: Identity) -> User:
    name = _display_name(identity)
    user = User(email=identity.email, name=name, certificate_name=name,
                password_hash=hash_password(secrets.token_urlsafe(32)),
                sso_subject=identity.subject)
    db.session.add(user)
    db.session.flush()
    signals.member_registered.send(user.id, user=user)
    return user


def _display_name(identity: Identity) -> str:
    """The token's name, cleaned like a typed one; the email's local part without one."""
    try:
        return clean_text(identity.name, max_length=NAME_LENGTHS["name"], required=True)
    except TextError:
        return identity.email.partition("@")[0][: NAME_LENGTHS["name"]]

