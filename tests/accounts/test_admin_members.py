"""Staff find members by name or email, filter by role, and page through the list."""

import pytest

from lms.accounts import views
from lms.extensions import db
from tests.factories import api_headers, make_user


@pytest.fixture
def admin(app_ctx):
    return make_user(email="boss@example.org", name="Zed Boss", role="admin")


def names(client, headers, **query) -> list[str]:
    response = client.get("/api/v1/members", query_string=query, headers=headers)
    assert response.status_code == 200
    return [member["name"] for member in response.json["items"]]


def test_search_by_name_email_or_certificate_name(client, admin):
    make_user(name="Ada Lovelace", email="ada@library.org")
    make_user(name="Grace Hopper", email="grace@navy.mil", certificate_name="Rear Adm. Hopper")
    make_user(name="Nguyễn Thị Minh Khai", email="khai@example.org")
    headers = api_headers(admin)
    assert names(client, headers, q="lovelace") == ["Ada Lovelace"]
    assert names(client, headers, q="NAVY.MIL") == ["Grace Hopper"]
    assert names(client, headers, q="rear adm") == ["Grace Hopper"]
    assert names(client, headers, q="Minh") == ["Nguyễn Thị Minh Khai"]
    assert names(client, headers, q="nobody-here") == []


def test_search_wildcards_match_literally(client, admin):
    make_user(name="Percent Person", email="per%cent@example.org")
    make_user(name="Plain Person", email="plain@example.org")
    assert names(client, api_headers(admin), q="%") == ["Percent Person"]
    assert names(client, api_headers(admin), q="_") == []


def test_filter_by_role(client, admin):
    make_user(name="Ina Instructor", role="instructor")
    make_user(name="Mo Member")
    headers = api_headers(admin)
    assert names(client, headers, role="instructor") == ["Ina Instructor", "Zed Boss"]
    assert names(client, headers, role="admin") == ["Zed Boss"]


def test_api_list_paginates(client, admin):
    for n in range(5):
        make_user(name=f"Member {n}")
    headers = api_headers(admin)
    response = client.get("/api/v1/members", query_string={"page": 2, "per_page": 2},
                          headers=headers)
    assert response.json["total"] == 6
    assert (response.json["page"], response.json["per_page"]) == (2, 2)
    assert [m["name"] for m in response.json["items"]] == ["Member 2", "Member 3"]
    assert client.get("/api/v1/members", query_string={"per_page": 101},
                      headers=headers).status_code == 400


def test_member_page_paginates_and_searches(auth, admin, monkeypatch):
    monkeypatch.setattr(views, "MEMBERS_PER_PAGE", 2)
    for n in range(4):
        make_user(name=f"Member {n}", career_stage="retired", org_type="school")
    auth.login("boss@example.org")
    first = auth.client.get("/admin/members").get_data(as_text=True)
    assert "5 members · page 1 of 3" in first
    assert "Member 0" in first and "Member 2" not in first
    assert 'href="/admin/members?page=2"' in first and "Previous page" not in first
    last = auth.client.get("/admin/members?page=3").get_data(as_text=True)
    assert "Zed Boss" in last and "Next page" not in last
    found = auth.client.get("/admin/members?q=member+3").get_data(as_text=True)
    assert "1 member" in found and "Member 3" in found and "Retired" in found
    assert "School library" in found


def test_admin_deactivates_a_member(auth, admin):
    member = make_user(email="ada@example.org")
    auth.login("boss@example.org")
    response = auth.post(f"/admin/members/{member.id}", {"extra_time_percent": "0"})
    assert response.status_code == 302
    db.session.refresh(member)
    assert not member.is_active


def test_admin_cannot_deactivate_themselves(auth, admin):
    auth.login("boss@example.org")
    response = auth.post(f"/admin/members/{admin.id}", {"is_admin": "y"})
    assert response.status_code == 422
    assert "cannot deactivate your own account" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.is_active
