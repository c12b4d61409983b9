"""Roles: staff pages and API are for admins only; admins grant roles; applying to teach."""

import pytest

from lms.accounts.models import TeachApplication, User
from lms.extensions import db
from tests.factories import api_headers, make_user

EXPERTISE = "Ten years of cataloguing rare maps in an academic library."


def admin_pages(member_id: int, application_id: int) -> list[tuple[str, str]]:
    return [
        ("GET", "/admin/members"),
        ("GET", f"/admin/members/{member_id}"),
        ("POST", f"/admin/members/{member_id}"),
        ("GET", "/admin/applications"),
        ("POST", f"/admin/applications/{application_id}"),
    ]


def admin_api(member_id: int) -> list[tuple[str, str, dict | None]]:
    return [
        ("GET", "/api/v1/members", None),
        ("PUT", f"/api/v1/members/{member_id}/roles", {"roles": ["member", "admin"]}),
    ]


def pending_application(user: User) -> TeachApplication:
    application = TeachApplication(user=user, expertise=EXPERTISE, proposed_topic="Maps")
    db.session.add(application)
    db.session.commit()
    return application


@pytest.mark.parametrize("index", range(5))
def test_member_gets_403_on_every_admin_page(auth, app_ctx, index):
    member = make_user(email="ada@example.org")
    application = pending_application(make_user())
    method, path = admin_pages(member.id, application.id)[index]
    auth.login("ada@example.org")
    data = {"is_admin": "y", "is_active": "y", "decision": "approve"}
    response = auth.post(path, data) if method == "POST" else auth.client.get(path)
    assert response.status_code == 403, path
    db.session.refresh(member)
    db.session.refresh(application)
    assert not member.is_admin and application.status == "pending"


@pytest.mark.parametrize("index", range(2))
def test_member_gets_403_on_every_admin_api_call(client, app_ctx, index):
    member = make_user()
    method, path, body = admin_api(member.id)[index]
    response = client.open(path, method=method, json=body, headers=api_headers(member))
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    db.session.refresh(member)
    assert not member.is_admin


@pytest.mark.parametrize("index", range(2))
def test_anonymous_gets_401_on_admin_api_calls(client, app_ctx, index):
    method, path, body = admin_api(make_user().id)[index]
    assert client.open(path, method=method, json=body).status_code == 401


def test_anonymous_is_sent_to_login_from_admin_pages(client, app_ctx):
    response = client.get("/admin/members")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_admin_grants_instructor_on_the_member_page(auth, app_ctx):
    make_user(email="boss@example.org", role="admin")
    member = make_user()
    auth.login("boss@example.org")
    page = auth.client.get(f"/admin/members/{member.id}")
    assert page.status_code == 200
    response = auth.post(f"/admin/members/{member.id}",
                         {"is_instructor": "y", "is_active": "y", "extra_time_percent": "25"})
    assert response.status_code == 302
    db.session.refresh(member)
    assert member.roles == ["member", "instructor"]
    assert member.extra_time_percent == 25


def test_admin_grants_instructor_in_the_api(client, app_ctx):
    admin = make_user(role="admin")
    member = make_user()
    response = client.put(f"/api/v1/members/{member.id}/roles",
                          json={"roles": ["member", "instructor"]}, headers=api_headers(admin))
    assert response.status_code == 200
    assert response.json["roles"] == ["member", "instructor"]


@pytest.mark.parametrize("roles", [["wizard"], "instructor", None])
def test_unknown_roles_are_refused(client, app_ctx, roles):
    admin = make_user(role="admin")
    member = make_user()
    response = client.put(f"/api/v1/members/{member.id}/roles", json={"roles": roles},
                          headers=api_headers(admin))
    assert response.status_code == 422
    assert "roles" in response.json["errors"]


def test_admin_cannot_drop_their_own_admin_role(client, app_ctx):
    admin = make_user(role="admin")
    response = client.put(f"/api/v1/members/{admin.id}/roles", json={"roles": ["member"]},
                          headers=api_headers(admin))
    assert response.status_code == 409
    db.session.refresh(admin)
    assert admin.is_admin


def apply(auth, expertise: str = EXPERTISE, topic: str = "Map librarianship"):
    return auth.post("/teach", {"expertise": expertise, "proposed_topic": topic})


def decide(auth, application_id: int, decision: str):
    return auth.post(f"/admin/applications/{application_id}", {"decision": decision})


def test_member_applies_and_admin_approves(app, auth, app_ctx, mail_server):
    member = make_user(email="ada@example.org", career_stage="student")
    make_user(email="boss@example.org", role="admin")
    auth.login("ada@example.org")
    assert apply(auth).status_code == 302
    assert "being reviewed" in auth.client.get("/profile").get_data(as_text=True)
    assert apply(auth).status_code == 422  # one pending application at a time
    auth.logout()
    auth.login("boss@example.org")
    listing = auth.client.get("/admin/applications").get_data(as_text=True)
    assert "Map librarianship" in listing
    application = db.session.query(TeachApplication).one()
    assert decide(auth, application.id, "approve").status_code == 302
    db.session.refresh(member)
    assert member.roles == ["member", "instructor"]
    (message,) = mail_server.to("ada@example.org")
    assert "approved" in message.get_content()
    assert decide(auth, application.id, "decline").status_code == 409  # already decided


def test_admin_declines_an_application(auth, app_ctx, mail_server):
    member = make_user(email="ada@example.org")
    make_user(email="boss@example.org", role="admin")
    application = pending_application(member)
    auth.login("boss@example.org")
    assert decide(auth, application.id, "decline").status_code == 302
    db.session.refresh(member)
    db.session.refresh(application)
    assert member.roles == ["member"]
    assert application.status == "declined" and application.decided_at is not None
    (message,) = mail_server.to("ada@example.org")
    assert "not approved" in message.get_content()


def test_application_needs_some_detail(auth, app_ctx):
    make_user(email="ada@example.org")
    auth.login("ada@example.org")
    response = apply(auth, expertise="I know things", topic="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="expertise-error"' in html and 'id="proposed_topic-error"' in html
    assert db.session.query(TeachApplication).count() == 0


def test_instructors_need_not_apply(auth, app_ctx):
    make_user(email="ada@example.org", role="instructor")
    auth.login("ada@example.org")
    response = apply(auth)
    assert response.status_code == 422
    assert "already create courses" in response.get_data(as_text=True)
