"""The certificate PDF answers to a Bearer token as it does to a session (API.md, credentials).

API clients get ``pdf_url`` from ``/api/v1/me/certificates``; a token must fetch it,
a bad token is told so in problem+json (not sent to a login page it cannot use),
and a browser with no credential is still sent to log in.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from lms.accounts.tokens import issue_api_token
from lms.extensions import db, utcnow
from tests.factories import api_headers, make_course, make_user


@pytest.fixture
def certificate(issued):
    owner = make_user(email="owner@example.org")
    teacher = make_user(role="instructor", email="instructor@example.org")
    make_user(role="admin", email="admin@example.org")
    make_user(email="other@example.org")
    return issued(member=owner, course=make_course(instructors=[teacher]))


def headers_of(email: str) -> dict[str, str]:
    from lms.accounts.service import find_by_email

    return api_headers(find_by_email(email))


@pytest.mark.parametrize("who, status", [("owner", 200), ("admin", 200), ("other", 404),
                                         ("instructor", 404)])
def test_a_token_is_worth_a_session(client, certificate, who, status):
    response = client.get(f"/certificates/{certificate.code}.pdf",
                          headers=headers_of(f"{who}@example.org"))
    assert response.status_code == status
    if status == 200:
        assert response.mimetype == "application/pdf"
        assert response.data.startswith(b"%PDF")
        assert "Set-Cookie" not in response.headers  # a token request starts no session
    else:
        assert response.mimetype == "application/problem+json"


def expired_token(user) -> str:
    token, record = issue_api_token(user)
    record.expires_at = utcnow() - timedelta(seconds=1)
    return token


def revoked_token(user) -> str:
    token, record = issue_api_token(user)
    record.revoked_at = utcnow()
    return token


#: Credentials that name no valid token, each as its ``Authorization`` header.
BAD_TOKENS = {
    "unknown": lambda user: "Bearer lms_not-a-real-token",
    "not ours": lambda user: "Bearer abc.def.ghi",
    "empty": lambda user: "Bearer ",
    "expired": lambda user: f"Bearer {expired_token(user)}",
    "revoked": lambda user: f"Bearer {revoked_token(user)}",
}


@pytest.mark.parametrize("bad", BAD_TOKENS)
def test_a_bad_token_gets_401_problem_json(client, certificate, bad):
    header = BAD_TOKENS[bad](certificate.user)
    db.session.commit()
    response = client.get(f"/certificates/{certificate.code}.pdf",
                          headers={"Authorization": header})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic dXNlcjpwYXNz"}],
                         ids=["no credential", "proxy basic auth"])
def test_a_browser_without_a_session_is_sent_to_log_in(client, certificate, headers):
    response = client.get(f"/certificates/{certificate.code}.pdf", headers=headers)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next=/certificates/{certificate.code}.pdf"


def test_the_token_revalidates_like_the_session(client, certificate):
    headers = headers_of("owner@example.org")
    first = client.get(f"/certificates/{certificate.code}.pdf", headers=headers)
    again = client.get(f"/certificates/{certificate.code}.pdf",
                       headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
