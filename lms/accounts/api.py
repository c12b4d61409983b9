"""Accounts JSON API: members, tokens, the current member, roles."""

from __future__ import annotations

from flask import current_app, request

from lms.accounts import profile_fields, service, staff, tokens
from lms.accounts.models import CAREER_STAGES, ORG_TYPES, ROLES, User
from lms.accounts.passwords import MIN_PASSWORD_LENGTH
from lms.apikit import api_blueprint, iso, json_body, listing, page_args, require_actor
from lms.errors import NotFound, Unauthorized, ValidationError
from lms.extensions import db, limiter
from lms.openapi import TIMESTAMP, listing_of, nullable, obj, operation, query, ref, text

bp = api_blueprint("accounts_api", __name__)

def _choice(options) -> dict:
    """One of ``options``; empty or null clears it."""
    return {"type": ["string", "null"], "enum": [*options, "", None], "optional": True}


PROFILE = {"name": text(120, required=True),
           "certificate_name": nullable(text(200)) | {"optional": True},
           "career_stage": _choice(CAREER_STAGES), "org_type": _choice(ORG_TYPES)}
TIME_ZONE = text(64, description="IANA time zone name (e.g. America/Chicago): the member's "
                                 "local dates for CE credits; default UTC")
PASSWORD = text(minLength=MIN_PASSWORD_LENGTH, description=(
    f"At least {MIN_PASSWORD_LENGTH} characters, at least 4 different ones, not a common "
    "password, not the email address"))
MEMBER_FIELDS = obj(email={"type": "string", "format": "email", "maxLength": 254},
                    password=PASSWORD, **PROFILE) | {"examples": [{
                        "email": "ada.reyes@library.org", "password": "violet lantern harbour",
                        "name": "Ada Reyes", "career_stage": "early_career",
                        "org_type": "public"}]}
#: Fields registered by the directory (lms.discussions) through lms.accounts.profile_fields.
DIRECTORY_FIELDS = {
    "directory_visible": {"type": "boolean", "optional": True,
                          "description": "List me in the directory of expertise"},
    "expertise": {"type": ["array", "null"], "optional": True, "maxItems": 12,
                  "items": text(80, required=True),
                  "description": "Areas of expertise: catalog topic names and free text"},
}
PROFILE_PATCH = obj(**{name: schema | {"optional": True} for name, schema in PROFILE.items()},
                    time_zone=TIME_ZONE | {"optional": True},
                    password=PASSWORD | {"optional": True},
                    current_password=text(optional=True), **DIRECTORY_FIELDS)

SCHEMAS = {
    "Member": obj(id="integer", email="string", name="string", certificate_name="string",
                  roles={"type": "array", "items": {"enum": list(ROLES)}},
                  career_stage=nullable({"type": "string"}), org_type=nullable({"type": "string"}),
                  time_zone="string", created_at=TIMESTAMP, directory_visible="boolean?",
                  expertise={"type": "array", "items": {"type": "string"}, "optional": True}),
    "Token": obj(token="string", expires_at=TIMESTAMP, id="integer"),
}
MEMBER = ref("Member")

OPENAPI = {
    "/members": {
        "post": operation("Register a member (when self-registration is on)", auth=False,
                          body=MEMBER_FIELDS, returns=MEMBER, limited=True, creates="member_id",
                          responses={201: "Member", 404: "Self-registration is off",
                                     409: "Email taken",
                                     422: "Invalid fields (including a weak password)"}),
        "get": operation("Search members (admin)", paged=True, returns=listing_of(MEMBER),
                         params=[query("q", description="Part of a name or email"),
                                 query("role", description="instructor or admin; other values "
                                                           "list every member")],
                         responses={200: "List of members", 403: "Not admin"}),
    },
    "/members/{member_id}/roles": {
        "put": operation("Set a member's roles (admin)", returns=MEMBER,
                         body=obj(roles={"type": "array", "items": {"enum": list(ROLES)}}),
                         responses={200: "Member", 403: "Not admin",
                                    409: "Admins cannot drop their own admin role"}),
    },
    "/tokens": {
        "post": operation("Create an access token", auth=False, limited=True,
                          body=obj(email="string", password="string", name="string?"),
                          returns=ref("Token"), creates="token_id",
                          responses={201: "{token, expires_at, id}", 401: "Wrong credentials"}),
    },
    "/tokens/{token_id}": {
        "delete": operation("Revoke one of your tokens", responses={204: "Revoked"}),
    },
    "/me": {
        "get": operation("The current member", returns=MEMBER, responses={200: "Member"}),
        "patch": operation(
            "Update the current member (password needs current_password)",
            body=PROFILE_PATCH, returns=MEMBER,
            responses={200: "Member (a new password ends every session and revokes every "
                            "API token, this one included)",
                       422: "Invalid fields, weak password or wrong current_password"}),
    },
}


def member_json(user: User) -> dict:
    return {
        "id": user.id, "email": user.email, "name": user.name,
        "certificate_name": user.certificate_name, "roles": user.roles,
        "career_stage": user.career_stage, "org_type": user.org_type,
        "time_zone": user.time_zone or "UTC", "created_at": iso(user.created_at),
    }


def text_field(data: dict, name: str, required: bool = False) -> str | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise ValidationError("Invalid input.", errors={name: ["Must be a string."]})
    return value


@bp.post("/members")
@limiter.limit("20/hour")
def register():
    if not current_app.config["SELF_REGISTRATION"]:
        raise NotFound("Self-registration is turned off on this site.")
    data = json_body()
    registration = service.Registration(
        email=text_field(data, "email", True), password=text_field(data, "password", True),
        name=text_field(data, "name", True), certificate_name=text_field(data, "certificate_name"),
        career_stage=text_field(data, "career_stage"), org_type=text_field(data, "org_type"))
    user = service.register_member(registration)
    db.session.commit()
    return member_json(user), 201


@bp.get("/members")
def search_members():
    page, per_page = page_args()
    members, total = staff.search_members(require_actor(), request.args.get("q", ""), page,
                                          per_page,
                                          request.args.get("role"))
    return listing([member_json(member) for member in members], total, page, per_page)


@bp.put("/members/<int:member_id>/roles")
def set_roles(member_id: int):
    roles = json_body().get("roles")
    if not isinstance(roles, list):
        raise ValidationError("roles must be a list.", errors={"roles": ["Send a list of roles."]})
    user = staff.set_roles(require_actor(), member_id, roles)
    db.session.commit()
    return member_json(user)


@bp.post("/tokens")
@limiter.limit("30/minute")
def create_token():
    data = json_body()
    try:
        user = service.authenticate(text_field(data, "email", True) or "",
                                    text_field(data, "password", True) or "", request.remote_addr)
    except Unauthorized:
        db.session.commit()  # keep the failure count
        raise
    token, record = tokens.issue_api_token(user, text_field(data, "name") or "API token")
    db.session.commit()
    return {"token": token, "expires_at": iso(record.expires_at), "id": record.id}, 201


@bp.delete("/tokens/<int:token_id>")
def revoke_token(token_id: int):
    tokens.revoke_api_token(require_actor(), token_id)
    db.session.commit()
    return "", 204


@bp.get("/me")
def me():
    user = require_actor()
    return member_json(user) | profile_fields.describe_all(user)


@bp.patch("/me")
def update_me():
    user = require_actor()
    data = json_body()
    if "password" in data:
        service.change_password(user, text_field(data, "current_password") or "",
                                text_field(data, "password", True))
    service.update_profile(user, {key: text_field(data, key) for key in
                                  ("name", "certificate_name", "career_stage", "org_type",
                                   "time_zone")
                                  if key in data})
    profile_fields.update_all(user, data)
    db.session.commit()
    return member_json(user) | profile_fields.describe_all(user)
