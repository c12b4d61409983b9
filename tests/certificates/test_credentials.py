"""Signed Open Badges 3.0 credentials: content, independent verification, schema, status."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from jsonschema import Draft201909Validator

from lms.extensions import db
from tests.certificates import vc_verifier
from tests.factories import api_headers, make_course, make_user

SCHEMA = json.loads((Path(__file__).parent / "schema" / "achievementcredential.json")
                    .read_text(encoding="utf-8"))
JWT_CLAIMS = {"iss", "jti", "nbf", "iat", "exp", "vc"}


def fetch(client, code: str) -> tuple[str, dict]:
    """The credential's JWT and its (independently verified) payload."""
    response = client.get(f"/credentials/{code}.jwt")
    assert response.status_code == 200
    assert response.mimetype == "application/vc+jwt"
    token = response.get_data(as_text=True)
    _header, payload = vc_verifier.verify(token, client.get("/.well-known/jwks.json").json)
    return token, payload


def check(client, token) -> dict:
    response = client.post("/api/v1/credentials/verify", json={"credential": token})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def schema_errors(document: dict) -> list[str]:
    validator = Draft201909Validator(SCHEMA, format_checker=Draft201909Validator.FORMAT_CHECKER)
    return [f"{list(error.path)}: {error.message}" for error in validator.iter_errors(document)]


def test_credential_verifies_independently_and_follows_ob3(issued, client):
    member = make_user(email="Zoe.Orsted@Example.org")
    course = make_course(title="Cataloguing with RDA", ce_hours=2.5,
                         certificate_valid_months=24)
    cert = issued(member=member, course=course)
    _token, payload = fetch(client, cert.code)

    assert schema_errors(payload) == []
    assert payload["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                   "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert payload["issuer"] == client.get("/issuer").json
    assert payload["issuer"]["type"] == ["Profile"] and payload["issuer"]["name"]
    assert payload["iss"] == payload["issuer"]["id"] and payload["jti"] == payload["id"]
    assert payload["validFrom"] == payload["issuanceDate"]
    assert payload["validUntil"] == f"{cert.expires_on.isoformat()}T23:59:59Z"
    achievement = payload["credentialSubject"]["achievement"]
    assert achievement["name"] == "Cataloguing with RDA"
    assert achievement["creditsAvailable"] == 2.5 and achievement["criteria"]["narrative"]
    assert achievement["alignment"][0]["targetUrl"].endswith(f"/courses/{course.slug}")
    status = payload["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry"
    assert status["statusPurpose"] == "revocation"
    assert status["statusListCredential"].endswith("/credentials/status/1")
    assert int(status["statusListIndex"]) >= 0


def test_the_member_is_identified_by_a_salted_hash_never_the_email(issued, client):
    member = make_user(email="private.person@example.org")
    cert = issued(member=member)
    token, payload = fetch(client, cert.code)
    (identity,) = payload["credentialSubject"]["identifier"]
    assert identity["type"] == "IdentityObject" and identity["hashed"] is True
    assert identity["identityType"] == "emailAddress" and len(identity["salt"]) >= 16
    digest = hashlib.sha256(("private.person@example.org" + identity["salt"]).encode())
    assert identity["identityHash"] == f"sha256${digest.hexdigest()}"
    as_json = client.get(f"/credentials/{cert.code}.json").get_data(as_text=True)
    for text in (token, json.dumps(payload), as_json):
        assert "private.person" not in text


def test_json_download_is_the_signed_credential_without_jwt_claims(issued, client):
    cert = issued()
    _token, payload = fetch(client, cert.code)
    response = client.get(f"/credentials/{cert.code}.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    document = response.json
    assert document == {k: v for k, v in payload.items() if k not in JWT_CLAIMS}
    assert document == payload["vc"]
    assert schema_errors(document) == []


def test_the_content_is_stable(issued, client, app_ctx):
    cert = issued()
    first = client.get(f"/credentials/{cert.code}.jwt").get_data()
    course = cert.course
    course.title, course.summary = "Renamed", "Changed"
    db.session.commit()
    assert client.get(f"/credentials/{cert.code}.jwt").get_data() == first


def test_verify_api_accepts_a_fresh_credential(issued, client):
    cert = issued(course=make_course(title="Intro to Archives"))
    token, _payload = fetch(client, cert.code)
    answer = check(client, token)
    assert answer == {"verified": True, "revoked": False, "expired": False,
                      "issuer": answer["issuer"], "name": answer["name"],
                      "achievement": "Intro to Archives", "errors": []}
    assert answer["issuer"] and "Intro to Archives" in answer["name"]


def _reencode(token: str, payload: dict) -> str:
    import base64

    header, _body, signature = token.split(".")
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{header}.{body}.{signature}"


def _tampered(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, list):
        return [*value, "extra"]
    return {**value, "injected": True}


def test_tampering_with_any_payload_field_is_caught(issued, client):
    cert = issued(course=make_course(certificate_valid_months=12))
    token, payload = fetch(client, cert.code)
    paths = [(key,) for key in payload] + [
        ("credentialSubject", "achievement"), ("credentialSubject", "identifier"),
        ("credentialSubject", "creditsEarned"), ("credentialStatus", "statusListIndex"),
        ("issuer", "id")]
    for path in paths:
        forged = json.loads(json.dumps(payload))
        target = forged
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = _tampered(target[path[-1]])
        answer = check(client, _reencode(token, forged))
        assert answer["verified"] is False, path
        assert [e["check"] for e in answer["errors"]] == ["signature"], path
        assert answer["name"] is None and answer["achievement"] is None


def test_a_changed_kid_or_a_foreign_key_is_refused(issued, client, runner):
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    cert = issued()
    token, _payload = fetch(client, cert.code)
    header, body, signature = token.split(".")

    def with_header(changes: dict, sig: str = signature, key=None) -> str:
        decoded = json.loads(vc_verifier.b64url_decode(header)) | changes
        new = base64.urlsafe_b64encode(json.dumps(decoded).encode()).rstrip(b"=").decode()
        if key is not None:
            raw = key.sign(f"{new}.{body}".encode())
            sig = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        return f"{new}.{body}.{sig}"

    unknown = check(client, with_header({"kid": "not-our-key"}))
    assert unknown["verified"] is False and unknown["errors"][0]["check"] == "key"
    foreign = check(client, with_header({}, key=Ed25519PrivateKey.generate()))
    assert foreign["verified"] is False and foreign["errors"][0]["check"] == "signature"
    assert runner.invoke(args=["lms", "credentials", "rotate-key"]).exit_code == 0
    other_kid = client.get("/.well-known/jwks.json").json["keys"][0]["kid"]
    swapped = check(client, with_header({"kid": other_kid}))
    assert swapped["verified"] is False and swapped["errors"][0]["check"] == "signature"
    none_alg = check(client, with_header({"alg": "none"}, sig=""))
    assert none_alg["verified"] is False and none_alg["errors"][0]["check"] in (
        "format", "algorithm")


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "...", "e30.e30.e30", 5, None,
                                     ["x"], {"@context": []}, "x" * 70_000])
def test_garbage_is_not_verified_and_never_a_500(client, garbage):
    answer = check(client, garbage)
    assert answer["verified"] is False and answer["errors"]


def test_a_request_without_a_credential_is_a_422(client):
    response = client.post("/api/v1/credentials/verify", json={})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_revoking_the_certificate_revokes_the_credential(issued, client, app_ctx):
    from lms.certificates import lifecycle

    cert = issued()
    token, payload = fetch(client, cert.code)
    index = int(payload["credentialStatus"]["statusListIndex"])
    jwks = client.get("/.well-known/jwks.json").json

    def bit() -> bool:
        response = client.get(payload["credentialStatus"]["statusListCredential"]
                              .removeprefix("http://127.0.0.1:5000"))
        assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
        _header, status_list = vc_verifier.verify(response.get_data(as_text=True), jwks)
        assert "BitstringStatusListCredential" in status_list["type"]
        assert status_list["credentialSubject"]["statusPurpose"] == "revocation"
        return vc_verifier.status_bit(status_list, index)

    assert bit() is False
    lifecycle.revoke(make_user(role="admin"), cert.code, "Issued in error")
    db.session.commit()
    assert bit() is True
    answer = check(client, token)
    assert answer["revoked"] is True and answer["verified"] is False
    assert [e["check"] for e in answer["errors"]] == ["revoked"]


def test_a_name_fix_issues_a_new_credential_and_revokes_the_old(issued, client, app_ctx):
    from lms.certificates import lifecycle

    cert = issued()
    old_token, old = fetch(client, cert.code)
    lifecycle.reissue(make_user(role="admin"), cert.code, "Corrected Name", reason="typo")
    db.session.commit()
    new_token, new = fetch(client, cert.code)
    assert new["id"] != old["id"]
    assert new["credentialStatus"]["statusListIndex"] != old["credentialStatus"][
        "statusListIndex"]
    assert check(client, new_token)["verified"] is True
    stale = check(client, old_token)
    assert stale["revoked"] is True and stale["verified"] is False


def test_after_rotate_key_old_and_new_credentials_verify(issued, client, runner):
    old_cert = issued()
    old_token, _ = fetch(client, old_cert.code)
    before = {key["kid"] for key in client.get("/.well-known/jwks.json").json["keys"]}
    result = runner.invoke(args=["lms", "credentials", "rotate-key"])
    assert result.exit_code == 0, result.output
    jwks = client.get("/.well-known/jwks.json").json
    assert before < {key["kid"] for key in jwks["keys"]}
    new_cert = issued()
    new_token, _ = fetch(client, new_cert.code)
    new_kid = json.loads(vc_verifier.b64url_decode(new_token.split(".")[0]))["kid"]
    assert new_kid not in before and new_kid == jwks["keys"][0]["kid"]
    for token in (old_token, new_token):
        vc_verifier.verify(token, jwks)
        assert check(client, token)["verified"] is True


def test_an_expired_certificate_gives_an_expired_credential(issued, client):
    course = make_course(certificate_valid_months=1)
    moment = datetime(2020, 1, 10, 12, 0, tzinfo=UTC)
    cert = issued(course=course, completed_at=moment, now=moment)
    token, payload = fetch(client, cert.code)
    assert payload["validUntil"] == "2020-02-10T23:59:59Z"
    answer = check(client, token)
    assert answer["expired"] is True and answer["verified"] is False
    assert [e["check"] for e in answer["errors"]] == ["expired"]


def test_my_certificates_list_credential_and_linkedin_links(issued, client):
    member = make_user()
    course = make_course(title="Story Time & Beyond", certificate_valid_months=24)
    cert = issued(member=member, course=course,
                  now=datetime(2025, 3, 12, 15, 0, tzinfo=UTC))
    (row,) = client.get("/api/v1/me/certificates", headers=api_headers(member)).json["items"]
    assert row["credential_url"].endswith(f"/credentials/{cert.code}.jwt")
    assert row["expires_on"] == "2027-03-12"
    link = urlsplit(row["linkedin_url"])
    assert (link.scheme, link.netloc, link.path) == ("https", "www.linkedin.com",
                                                     "/profile/add")
    params = {key: values[0] for key, values in parse_qs(link.query).items()}
    assert params == {"startTask": "CERTIFICATION_NAME", "name": "Story Time & Beyond",
                      "organizationName": params["organizationName"],
                      "issueYear": "2025", "issueMonth": "3",
                      "certUrl": f"http://127.0.0.1:5000/verify/{cert.code}",
                      "certId": cert.code, "expirationYear": "2027", "expirationMonth": "3"}
    assert params["organizationName"]


def test_verify_page_offers_the_credential_and_linkedin(issued, client):
    cert = issued()
    html = client.get(f"/verify/{cert.code}").get_data(as_text=True)
    assert "Download credential" in html and f"/credentials/{cert.code}.jwt" in html
    assert "Add to LinkedIn profile" in html and "startTask=CERTIFICATION_NAME" in html
    assert "<strong>active</strong>" in html


def test_public_documents(client, issued):
    issued()
    jwks = client.get("/.well-known/jwks.json")
    assert jwks.status_code == 200
    for key in jwks.json["keys"]:
        assert key["kty"] == "OKP" and key["crv"] == "Ed25519" and "d" not in key
    issuer = client.get("/issuer").json
    assert set(issuer) >= {"id", "type", "name", "url"} and issuer["type"] == ["Profile"]
    assert client.get("/credentials/status/2").status_code == 404
    assert client.get("/credentials/NOPE-NOPE.jwt").status_code == 404


def test_back_issue_signs_credentials_for_the_rows_it_inserts(app_ctx, client):
    from lms.certificates.backissue import back_issue
    from lms.certificates.models import Certificate, Credential
    from tests.factories import enrol

    course = make_course(certificate_enabled=False)
    members = [make_user() for _ in range(3)]
    for member in members:
        enrol(member, course, completed_at=datetime(2025, 1, 5, tzinfo=UTC))
    course.certificate_enabled = True
    db.session.commit()
    assert back_issue(make_user(role="admin"), course.id, dry_run=False) == 3
    db.session.commit()
    certificates = db.session.execute(db.select(Certificate)).scalars().all()
    assert db.session.scalar(db.select(db.func.count(Credential.id))) == 3
    for cert in certificates:
        token, _ = fetch(client, cert.code)
        assert check(client, token)["verified"] is True


def test_production_never_creates_a_key_silently(make_app, tmp_path):
    from lms.certificates.keys import KeyFileMissing, issuer_keys

    path = tmp_path / "keys.json"
    app = make_app("production", SECRET_KEY="s" * 40, ALLOW_SQLITE=True,
                   CREDENTIAL_KEY_FILE=str(path))
    with app.app_context(), pytest.raises(KeyFileMissing):
        issuer_keys()
    assert not path.exists()
    result = app.test_cli_runner().invoke(args=["lms", "credentials", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert path.stat().st_mode & 0o777 == 0o600
    with app.app_context():
        assert len(issuer_keys().keys) == 1


def test_issue_missing_signs_credentials_for_earlier_certificates(issued, client, runner,
                                                                  app_ctx):
    from lms.certificates.models import Credential

    kept, revoked = issued(), issued()
    revoked.revoked_at = datetime(2025, 5, 1, tzinfo=UTC)
    db.session.execute(db.delete(Credential))  # as before credentials existed
    db.session.commit()
    assert client.get(f"/credentials/{kept.code}.jwt").status_code == 404
    result = runner.invoke(args=["lms", "credentials", "issue-missing"])
    assert result.exit_code == 0 and "issued 2 credentials" in result.output
    assert check(client, fetch(client, kept.code)[0])["verified"] is True
    assert check(client, fetch(client, revoked.code)[0])["revoked"] is True
