"""Group viewing: the registrant confirms co-viewers after the session; those with
accounts get the certificate and credit once; one without is invited and claims it
by registering with the invited address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.certificates.models import Certificate
from lms.extensions import db, utcnow
from lms.ledger.models import Credit
from lms.live.models import GroupViewer
from tests.factories import make_user


def certificates_of(email: str) -> int:
    return db.session.scalar(select(func.count(Certificate.id)).join(
        User, Certificate.user_id == User.id).where(User.email == email))


def credits_of(email: str) -> int:
    return db.session.scalar(select(func.count(Credit.id)).join(
        User, Credit.user_id == User.id).where(User.email == email))


@pytest.fixture
def room(held_webinar):
    """Alice watched an hour ago in a meeting room with Eve (a member) and Frank (no
    account yet)."""
    make_user(email="eve@example.org", name="Eve Ellis")
    held_webinar.session.starts_at = utcnow() - timedelta(hours=2)
    held_webinar.session.ends_at = utcnow() - timedelta(hours=1)
    registration = held_webinar.registrations["alice"]
    registration.group_viewers = [GroupViewer(name="Eve Ellis", email="eve@example.org"),
                                  GroupViewer(name="Frank Fox", email="frank@example.org")]
    db.session.commit()
    return held_webinar


def confirm(client, held_webinar, emails, who="alice"):
    return client.post(f"/api/v1/sessions/{held_webinar.session.id}/group-viewers/confirm",
                       headers=held_webinar.headers(who), json={"emails": emails})


def test_confirmed_co_viewers_get_a_certificate_and_credit_exactly_once(
        client, room, mail_server) -> None:
    response = confirm(client, room, ["Eve@Example.org", "frank@example.org"])
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["items"] == [
        {"email": "eve@example.org", "outcome": "credited"},
        {"email": "frank@example.org", "outcome": "invited"}]
    again = confirm(client, room, ["eve@example.org"]).get_json()
    assert again["items"] == [{"email": "eve@example.org", "outcome": "already"}]
    assert (certificates_of("eve@example.org"), credits_of("eve@example.org")) == (1, 1)
    [invitation] = mail_server.to("frank@example.org")
    assert "Claim your certificate" in invitation["Subject"]
    assert "/register" in invitation.get_content()


def test_an_invited_colleague_claims_the_credit_by_registering(client, room, auth) -> None:
    confirm(client, room, ["frank@example.org"])
    page = client.get("/register").get_data(as_text=True)
    from tests.factories import PASSWORD, csrf_from

    response = client.post("/register", data={
        "csrf_token": csrf_from(page), "email": "Frank@example.org", "name": "Frank Fox",
        "password": PASSWORD, "password_confirm": PASSWORD, "confirm": PASSWORD})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert (certificates_of("frank@example.org"), credits_of("frank@example.org")) == (1, 1)
    viewer = db.session.scalar(select(GroupViewer).where(GroupViewer.email == "frank@example.org"))
    assert viewer.credited_at is not None and viewer.user_id is not None


def test_a_colleague_who_registers_before_being_confirmed_is_credited_on_confirmation(
        client, room) -> None:
    make_user(email="frank@example.org", name="Frank Fox")
    body = confirm(client, room, ["frank@example.org"]).get_json()
    assert body["items"] == [{"email": "frank@example.org", "outcome": "credited"}]
    assert certificates_of("frank@example.org") == 1


def test_only_listed_co_viewers_can_be_confirmed_and_nothing_changes(client, room) -> None:
    response = confirm(client, room, ["eve@example.org", "mallory@example.org"])
    assert response.status_code == 422
    assert "mallory@example.org" in response.get_json()["errors"]["emails"][0]
    assert certificates_of("eve@example.org") == 0


def test_only_the_registrant_who_listed_them_confirms(client, room) -> None:
    assert confirm(client, room, ["eve@example.org"], who="bob").status_code == 422
    outsider = make_user()
    from tests.factories import api_headers

    response = client.post(f"/api/v1/sessions/{room.session.id}/group-viewers/confirm",
                           headers=api_headers(outsider), json={"emails": ["eve@example.org"]})
    assert response.status_code == 404
    assert certificates_of("eve@example.org") == 0


def test_co_viewers_are_confirmed_after_the_session_not_before(client, room) -> None:
    room.session.ends_at = utcnow() + timedelta(minutes=30)
    db.session.commit()
    response = confirm(client, room, ["eve@example.org"])
    assert response.status_code == 409
    assert certificates_of("eve@example.org") == 0
