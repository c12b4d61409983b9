"""LTI 1.3 login and resource-link launches from a real test platform (its JWKS over HTTP)."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta

import pytest
from joserfc.jwk import RSAKey
from sqlalchemy import func, select, update

from lms.accounts.models import User
from lms.catalog.models import Enrollment
from lms.extensions import db, utcnow
from lms.standards.models import LtiIdentity, LtiLink, LtiLoginState
from tests.factories import make_course, make_user
from tests.security_world import changed_tables, snapshot
from tests.standards.lti_helpers import (
    AGS,
    BASE,
    LTI,
    SCORE_SCOPE,
    launch,
    login,
    resource_link_claims,
)
from tests.standards.lti_platform import CLIENT_ID


def test_login_redirects_to_the_platform_with_a_fresh_state_and_nonce(client, platform) -> None:
    params = login(client, platform, target=f"{BASE}/courses/intro")
    assert {name: params[name] for name in ("scope", "response_type", "response_mode", "prompt",
                                            "client_id", "redirect_uri", "login_hint",
                                            "lti_message_hint")} == {
        "scope": "openid", "response_type": "id_token", "response_mode": "form_post",
        "prompt": "none", "client_id": CLIENT_ID, "redirect_uri": f"{BASE}/lti/launch",
        "login_hint": "user-hint", "lti_message_hint": "message-hint"}
    again = login(client, platform)
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32
    assert again["state"] != params["state"] and again["nonce"] != params["nonce"]


def test_login_also_works_by_get_without_client_id(client, platform) -> None:
    response = client.get("/lti/login", query_string={
        "iss": platform.url, "login_hint": "h", "target_link_uri": f"{BASE}/lti/launch"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(platform.url + "/auth?")


@pytest.mark.parametrize("params", [
    {"iss": "https://unknown.example", "login_hint": "h", "target_link_uri": BASE},
    {"login_hint": "h", "target_link_uri": BASE},
    {"iss": "PLATFORM", "target_link_uri": BASE},
    {"iss": "PLATFORM", "login_hint": "h", "target_link_uri": BASE, "client_id": "other"},
])
def test_login_from_an_unknown_platform_or_without_parameters_is_refused(
        client, platform, params) -> None:
    params = {name: platform.url if value == "PLATFORM" else value
              for name, value in params.items()}
    response = client.post("/lti/login", data=params)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(LtiLoginState.id))) == 0


def test_a_launch_creates_the_member_enrols_them_and_opens_the_course(client, platform) -> None:
    course = make_course(title="Cataloguing basics")
    params = login(client, platform)
    claims = resource_link_claims(platform, params["nonce"], slug=course.slug, **{
        AGS: {"scope": [SCORE_SCOPE], "lineitem": f"{platform.url}/lineitems/7"}})
    response = launch(client, platform.sign(claims), params["state"])
    assert response.status_code == 303
    assert response.headers["Location"] == f"/courses/{course.slug}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Cataloguing basics" in page and "Log out" in page
    user = db.session.scalar(select(User).where(User.email == "ada@platform.example"))
    assert user.name == "Ada Lovelace"
    assert db.session.scalar(select(Enrollment).where(Enrollment.user_id == user.id,
                                                      Enrollment.course_id == course.id))
    link = db.session.scalar(select(LtiLink))
    assert (link.user_id, link.course_id, link.subject, link.resource_link_id,
            link.lineitem_url, link.scopes) == (user.id, course.id, "learner-1", "link-1",
                                                f"{platform.url}/lineitems/7", SCORE_SCOPE)


def test_a_second_launch_with_the_same_sub_is_the_same_member(client, app, platform) -> None:
    first, second = make_course(), make_course(title="Second course")
    for course in (first, second):
        params = login(client, platform)
        claims = resource_link_claims(platform, params["nonce"], slug=course.slug,
                                      name="Ada L.", email="other@platform.example")
        assert launch(app.test_client(), platform.sign(claims), params["state"]).status_code \
            == 303
    identities = db.session.scalars(select(LtiIdentity)).all()
    assert len(identities) == 1
    enrolled = db.session.scalars(select(Enrollment.course_id)
                                  .where(Enrollment.user_id == identities[0].user_id)).all()
    assert sorted(enrolled) == sorted([first.id, second.id])
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_the_course_may_come_from_the_target_link_uri(client, platform) -> None:
    course = make_course()
    params = login(client, platform)
    claims = resource_link_claims(platform, params["nonce"], slug="", **{
        LTI + "custom": {}, LTI + "target_link_uri": f"{BASE}/courses/{course.slug}"})
    response = launch(client, platform.sign(claims), params["state"])
    assert response.headers["Location"] == f"/courses/{course.slug}"


def test_an_email_already_here_never_links_to_that_account(client, platform) -> None:
    """A platform's email claim proves nothing: the member here keeps their account."""
    owner = make_user(email="ada@platform.example")
    owner_id, course = owner.id, make_course()
    params = login(client, platform)
    claims = resource_link_claims(platform, params["nonce"], slug=course.slug)
    assert launch(client, platform.sign(claims), params["state"]).status_code == 303
    identity = db.session.scalar(select(LtiIdentity))
    assert identity.user_id != owner_id
    assert db.session.get(User, identity.user_id).email.endswith("@lti.invalid")
    assert client.get("/my-learning").status_code == 200  # logged in as the new member


# --- refusals: a clear 400 page, nothing changed -----------------------------------------

def _expired(claims: dict) -> dict:
    return claims | {"iat": int(time.time()) - 900, "exp": int(time.time()) - 600}


def _other_audience(claims: dict) -> dict:
    return claims | {"aud": "another-tool"}


def _listed_without_azp(claims: dict) -> dict:
    return claims | {"aud": [CLIENT_ID, "another-tool"]}


def _unknown_deployment(claims: dict) -> dict:
    return claims | {LTI + "deployment_id": "deployment-999"}


def _other_issuer(claims: dict) -> dict:
    return claims | {"iss": "https://evil.example"}


def _other_nonce(claims: dict) -> dict:
    return claims | {"nonce": "a-nonce-we-never-issued"}


def _old_version(claims: dict) -> dict:
    return claims | {LTI + "version": "1.1"}


def _unknown_message(claims: dict) -> dict:
    return claims | {LTI + "message_type": "LtiSubmissionReviewRequest"}


def _anonymous(claims: dict) -> dict:
    return {name: value for name, value in claims.items() if name != "sub"}


def _long_subject(claims: dict) -> dict:
    return claims | {"sub": "s" * 256}


BROKEN = [_expired, _other_audience, _listed_without_azp, _unknown_deployment, _other_issuer,
          _other_nonce, _old_version, _unknown_message, _anonymous, _long_subject]


@pytest.mark.parametrize("broken", BROKEN, ids=lambda f: f.__name__.strip("_"))
def test_an_untrusted_token_is_refused_and_changes_nothing(client, platform, broken) -> None:
    course = make_course()
    params = login(client, platform)
    token = platform.sign(broken(resource_link_claims(platform, params["nonce"],
                                                      slug=course.slug)))
    before = snapshot()
    response = launch(client, token, params["state"])
    assert response.status_code == 400
    assert "could not be verified" in response.get_data(as_text=True)
    assert changed_tables(before, snapshot()) == {}


@pytest.mark.parametrize("kid", ["platform-key-1", "unknown-kid"])
def test_a_token_signed_by_another_key_is_refused(client, platform, kid) -> None:
    course = make_course()
    params = login(client, platform)
    claims = resource_link_claims(platform, params["nonce"], slug=course.slug)
    forged = platform.sign(claims, key=RSAKey.generate_key(2048, private=True), kid=kid)
    before = snapshot()
    assert launch(client, forged, params["state"]).status_code == 400
    assert changed_tables(before, snapshot()) == {}


def test_a_token_that_is_not_rs256_is_refused(client, platform) -> None:
    from joserfc import jwt
    from joserfc.jwk import OctKey

    params = login(client, platform)
    claims = resource_link_claims(platform, params["nonce"], slug=make_course().slug)
    token = jwt.encode({"alg": "HS256", "kid": "platform-key-1"}, claims,
                       OctKey.import_key("s" * 32))
    unsigned = ".".join(base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")
                        for part in ({"alg": "none", "kid": "platform-key-1"}, claims)) + "."
    before = snapshot()
    for forged in (token, unsigned, "not-a-jwt"):
        assert launch(client, forged, params["state"]).status_code == 400
    assert changed_tables(before, snapshot()) == {}


def test_a_replayed_launch_is_refused(client, app, platform) -> None:
    course = make_course()
    params = login(client, platform)
    token = platform.sign(resource_link_claims(platform, params["nonce"], slug=course.slug))
    assert launch(client, token, params["state"]).status_code == 303
    before = snapshot()
    assert launch(app.test_client(), token, params["state"]).status_code == 400
    fresh = login(app.test_client(), platform)  # a new state cannot carry the old nonce
    assert launch(app.test_client(), token, fresh["state"]).status_code == 400
    changes = changed_tables(before, snapshot())
    assert list(changes) == ["lti_login_state"]  # only the new login's state row
    assert changes["lti_login_state"][0] == []


@pytest.mark.parametrize("state", ["", "never-issued", "EXPIRED"])
def test_a_wrong_or_expired_state_is_refused(client, platform, state) -> None:
    course = make_course()
    params = login(client, platform)
    token = platform.sign(resource_link_claims(platform, params["nonce"], slug=course.slug))
    if state == "EXPIRED":
        db.session.execute(update(LtiLoginState).values(expires_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
        state = params["state"]
    before = snapshot()
    assert launch(client, token, state).status_code == 400
    assert changed_tables(before, snapshot()) == {}
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_a_course_that_is_not_published_is_not_opened(client, platform) -> None:
    draft = make_course(status="draft")
    params = login(client, platform)
    token = platform.sign(resource_link_claims(platform, params["nonce"], slug=draft.slug))
    before = snapshot()
    assert launch(client, token, params["state"]).status_code == 404
    assert changed_tables(before, snapshot()) == {}



def test_a_course_that_needs_a_signup_code_is_not_opened(client, platform) -> None:
    coded = make_course(access="code")
    params = login(client, platform)
    token = platform.sign(resource_link_claims(platform, params["nonce"], slug=coded.slug))
    before = snapshot()
    response = launch(client, token, params["state"])
    assert response.status_code == 403 and "signup code" in response.get_data(as_text=True)
    assert changed_tables(before, snapshot()) == {}


def test_a_rotated_platform_key_is_fetched_again(client, platform, monkeypatch) -> None:
    """A kid not in the cached key set makes the tool fetch the platform's JWKS again
    (once it is older than KEY_SET_MIN_AGE: forged kids cannot make it fetch each time)."""
    from lms.standards import lti

    monkeypatch.setattr(lti, "_key_sets", {})  # the first launch below fetches the key set
    course = make_course()
    params = login(client, platform)
    claims = resource_link_claims(platform, params["nonce"], slug=course.slug)
    assert launch(client, platform.sign(claims), params["state"]).status_code == 303
    rotated = RSAKey.generate_key(2048, private=True)
    platform.add_key(rotated, "platform-key-2")
    params = login(client, platform)
    claims = resource_link_claims(platform, params["nonce"], slug=course.slug)
    token = platform.sign(claims, key=rotated, kid="platform-key-2")
    assert launch(client, token, params["state"]).status_code == 400  # the cache is fresh
    monkeypatch.setattr(lti, "KEY_SET_MIN_AGE", 0)
    assert launch(client, token, params["state"]).status_code == 303


def test_a_deactivated_member_is_not_let_in(client, app, platform) -> None:
    course = make_course()
    params = login(client, platform)
    token = platform.sign(resource_link_claims(platform, params["nonce"], slug=course.slug))
    assert launch(client, token, params["state"]).status_code == 303
    user = db.session.get(User, db.session.scalar(select(LtiIdentity.user_id)))
    user.is_active = False
    db.session.commit()
    other = app.test_client()
    params = login(other, platform)
    token = platform.sign(resource_link_claims(platform, params["nonce"], slug=course.slug))
    response = launch(other, token, params["state"])
    assert response.status_code == 403 and "deactivated" in response.get_data(as_text=True)
    assert other.get("/my-learning").status_code == 302  # not logged in
