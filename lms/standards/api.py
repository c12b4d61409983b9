"""Standards JSON API: staff register the LTI 1.3 platforms that may launch this tool."""

from __future__ import annotations

from flask import current_app

from lms.apikit import api_blueprint, iso, json_body, require_actor
from lms.extensions import db
from lms.openapi import TIMESTAMP, obj, operation, ref, text
from lms.standards import lti_platforms
from lms.standards.models import LtiPlatform

bp = api_blueprint("standards_api", __name__)

URL = text(500, required=True, format="uri")
PLATFORM_BODY = obj(issuer=text(255, required=True), client_id=text(255, required=True),
                    deployment_id=text(255, required=True), auth_login_url=URL,
                    auth_token_url=URL, key_set_url=URL) | {"examples": [{
                        "issuer": "https://canvas.example.edu", "client_id": "10000000000042",
                        "deployment_id": "7:abc",
                        "auth_login_url": "https://sso.canvas.example.edu/api/lti/authorize_redirect",
                        "auth_token_url": "https://sso.canvas.example.edu/login/oauth2/token",
                        "key_set_url": "https://sso.canvas.example.edu/api/lti/security/jwks"}]}

SCHEMAS = {
    "LtiPlatform": obj(id="integer", issuer="string", client_id="string",
                       deployment_id="string", auth_login_url="string",
                       auth_token_url="string", key_set_url="string", created_at=TIMESTAMP,
                       tool=obj(login_url="string", launch_url="string", jwks_url="string")),
}

OPENAPI = {
    "/lti/platforms": {"post": operation(
        "Register an LTI 1.3 platform that may launch this tool (URLs https://, or http:// "
        "on this machine); the answer names the tool's URLs to enter on the platform",
        body=PLATFORM_BODY, returns=ref("LtiPlatform"),
        responses={201: "The platform, with the tool's login, launch and JWKS URLs",
                   403: "Not staff", 409: "The issuer and client id are registered already"})},
}


def platform_json(platform: LtiPlatform) -> dict:
    urls = lti_platforms.tool_urls(current_app.config["BASE_URL"])
    return {"id": platform.id, "issuer": platform.issuer, "client_id": platform.client_id,
            "deployment_id": platform.deployment_id, "auth_login_url": platform.auth_login_url,
            "auth_token_url": platform.auth_token_url, "key_set_url": platform.key_set_url,
            "created_at": iso(platform.created_at),
            "tool": {"login_url": urls.login_url, "launch_url": urls.launch_url,
                     "jwks_url": urls.jwks_url}}


@bp.post("/lti/platforms")
def register_platform():
    platform = lti_platforms.register_platform(require_actor(), json_body())
    db.session.commit()
    return platform_json(platform), 201
