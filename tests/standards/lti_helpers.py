"""Launching the tool as a platform would: login, signed ID token, form post."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

from lms.extensions import db
from lms.standards.models import LtiPlatform
from tests.standards.lti_platform import CLIENT_ID, DEPLOYMENT_ID, TestPlatform

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
BASE = "http://127.0.0.1:5000"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def register(platform: TestPlatform) -> LtiPlatform:
    row = LtiPlatform(**platform.registration)
    db.session.add(row)
    db.session.commit()
    return row


def login(client, platform: TestPlatform, target: str = f"{BASE}/courses/x") -> dict[str, str]:
    """Start the OIDC login as the platform; the redirect's parameters (state, nonce...)."""
    response = client.post("/lti/login", data={
        "iss": platform.url, "login_hint": "user-hint", "target_link_uri": target,
        "lti_message_hint": "message-hint", "client_id": CLIENT_ID})
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert location.startswith(f"{platform.url}/auth?")
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


def resource_link_claims(platform: TestPlatform, nonce: str, *, slug: str, sub: str = "learner-1",
                         **over) -> dict:
    now = int(time.time())
    claims = {
        "iss": platform.url, "aud": CLIENT_ID, "sub": sub, "iat": now, "exp": now + 300,
        "nonce": nonce, "name": "Ada Lovelace", "email": "ada@platform.example",
        LTI + "message_type": "LtiResourceLinkRequest", LTI + "version": "1.3.0",
        LTI + "deployment_id": DEPLOYMENT_ID, LTI + "target_link_uri": f"{BASE}/lti/launch",
        LTI + "resource_link": {"id": "link-1", "title": "Cataloguing basics"},
        LTI + "roles": [LEARNER], LTI + "custom": {"course": slug},
    }
    claims.update(over)
    return claims


def deep_linking_claims(platform: TestPlatform, nonce: str, **over) -> dict:
    claims = resource_link_claims(platform, nonce, slug="", sub="teacher-1", **{
        LTI + "message_type": "LtiDeepLinkingRequest", LTI + "roles": [INSTRUCTOR],
        DL + "deep_linking_settings": {
            "deep_link_return_url": f"{platform.url}/deep-link-return",
            "accept_types": ["ltiResourceLink"], "data": "opaque-platform-data"}})
    del claims[LTI + "resource_link"], claims[LTI + "custom"]
    claims.update(over)
    return claims


def launch(client, token: str, state: str):
    return client.post("/lti/launch", data={"id_token": token, "state": state})
