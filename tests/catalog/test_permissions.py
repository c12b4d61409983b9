"""Who may author what: every authoring write and every draft read, for every role.

Roles: anonymous, member, enrolled member, another course's instructor, this
course's instructor, a co-instructor (a plain member added to the course), and
staff. Each gets exactly the expected status, through the API and the studio.
Drafts and archives are 404 to everyone but their editors; published courses
are 403 to non-editors; anonymous callers get 401 (API) or the login page (HTML).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lms.accounts.models import User
from lms.catalog.models import Course, Item, Module
from tests.factories import Auth, api_headers, enrol, make_course, make_user

ROLES = ("anonymous", "member", "enrolled", "other_instructor", "instructor", "co_instructor",
         "admin")
EDITORS = {"instructor", "co_instructor", "admin"}
STATUSES = ("draft", "published")


@dataclass
class World:
    course: Course
    module: Module
    item: Item
    users: dict[str, User]


def build_world(status: str) -> World:
    instructor = make_user(role="instructor")
    co_instructor = make_user()
    users = {"member": make_user(), "enrolled": make_user(),
             "other_instructor": make_user(role="instructor"), "instructor": instructor,
             "co_instructor": co_instructor, "admin": make_user(role="admin")}
    make_course(instructors=[users["other_instructor"]], status="draft")
    course = make_course(instructors=[instructor, co_instructor], modules=2, items_per_module=2,
                         status=status)
    enrol(users["enrolled"], course)
    module = course.modules[0]
    return World(course, module, module.items[1], users)


def expected(role: str, status: str, ok: int | dict[str, int], html: bool = False) -> int:
    if role == "anonymous":
        return 302 if html else 401
    if role in EDITORS:
        return ok[status] if isinstance(ok, dict) else ok
    return 404 if status == "draft" else 403


# (method, path template, JSON body, status for editors)
API_WRITES = [
    ("patch", "/api/v1/courses/{c}", {"title": "Renamed"}, 200),
    ("post", "/api/v1/courses/{c}/publish", None, 200),
    ("post", "/api/v1/courses/{c}/unpublish", None, {"draft": 409, "published": 200}),
    ("post", "/api/v1/courses/{c}/archive", None, 200),
    ("post", "/api/v1/courses/{c}/duplicate", None, 201),
    ("post", "/api/v1/courses/{c}/instructors", {"member_id": "{member}"}, 200),
    ("delete", "/api/v1/courses/{c}/instructors/{co}", None, 204),
    ("post", "/api/v1/courses/{c}/modules", {"title": "New module"}, 201),
    ("patch", "/api/v1/modules/{m}", {"title": "Renamed", "position": 1}, 200),
    ("delete", "/api/v1/modules/{m}", None, 204),
    ("post", "/api/v1/modules/{m}/items", {"kind": "reading", "title": "R", "body": "x"}, 201),
    ("patch", "/api/v1/items/{i}", {"title": "Renamed", "position": 0}, 200),
    ("delete", "/api/v1/items/{i}", None, 204),
]

# (path template, form data, status for editors)
STUDIO_WRITES = [
    ("/studio/courses/{c}", {"title": "Renamed", "slug": "renamed", "format": "course",
                             "ce_hours": "2", "access": "open"}, 302),
    ("/studio/courses/{c}/publish", {}, 302),
    ("/studio/courses/{c}/unpublish", {}, {"draft": 409, "published": 302}),
    ("/studio/courses/{c}/archive", {}, 302),
    ("/studio/courses/{c}/duplicate", {}, 302),
    ("/studio/courses/{c}/instructors", {"email": "{member_email}"}, 302),
    ("/studio/courses/{c}/instructors/{co}/remove", {}, 302),
    ("/studio/courses/{c}/modules", {"title": "New module"}, 302),
    ("/studio/modules/{m}", {"title": "Renamed"}, 302),
    ("/studio/modules/{m}/move", {"direction": "down"}, 302),
    ("/studio/modules/{m}/delete", {}, 302),
    ("/studio/modules/{m}/items/new/reading", {"title": "R", "body": "x", "save": "1"}, 302),
    ("/studio/items/{i}", {"title": "Renamed", "body": "x", "save": "1"}, 302),
    ("/studio/items/{i}", {"title": "Renamed", "body": "x", "preview": "1"}, 200),
    ("/studio/items/{i}/move", {"direction": "up"}, 302),
    ("/studio/items/{i}/delete", {}, 302),
]

STUDIO_READS = [
    "/studio/courses/{c}", "/studio/courses/{c}/outline", "/studio/courses/{c}/instructors",
    "/studio/modules/{m}", "/studio/modules/{m}/items/new/video", "/studio/items/{i}",
]


def fill(template: str, world: World) -> str:
    return template.format(c=world.course.id, m=world.module.id, i=world.item.id,
                           co=world.users["co_instructor"].id,
                           member=world.users["member"].id,
                           member_email=world.users["member"].email)


def fill_body(body: dict | None, world: World) -> dict | None:
    if body is None:
        return None
    return {k: (int(fill(v, world)) if v == "{member}" else
                fill(v, world) if isinstance(v, str) else v) for k, v in body.items()}


def headers_for(role: str, world: World) -> dict[str, str]:
    return {} if role == "anonymous" else api_headers(world.users[role])


def login_as(role: str, world: World, auth: Auth) -> None:
    if role != "anonymous":
        response = auth.login(world.users[role].email)
        assert response.status_code == 302


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "body", "ok"), API_WRITES,
                         ids=[f"{m} {p}" for m, p, _, _ in API_WRITES])
def test_api_writes(client, app_ctx, role, status, method, path, body, ok):
    world = build_world(status)
    response = getattr(client, method)(fill(path, world), json=fill_body(body, world),
                                       headers=headers_for(role, world))
    assert response.status_code == expected(role, status, ok), response.get_json()


@pytest.mark.parametrize("role", ROLES)
def test_api_create_course(client, app_ctx, role):
    world = build_world("draft")
    response = client.post("/api/v1/courses", headers=headers_for(role, world),
                           json={"title": "T", "summary": "S", "format": "course",
                                 "ce_hours": 1})
    can_teach = role in {"other_instructor", "instructor", "admin"}
    assert response.status_code == {"anonymous": 401}.get(role, 201 if can_teach else 403)


@pytest.mark.parametrize("status", (*STATUSES, "archived"))
@pytest.mark.parametrize("role", ROLES)
def test_api_course_read(client, app_ctx, role, status):
    world = build_world(status)
    response = client.get(f"/api/v1/courses/{world.course.id}",
                          headers=headers_for(role, world))
    visible = status == "published" or role in EDITORS
    assert response.status_code == (200 if visible else 404)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("path", "data", "ok"), STUDIO_WRITES,
                         ids=[f"{p} {sorted(d)}" for p, d, _ in STUDIO_WRITES])
def test_studio_writes(client, auth, app_ctx, role, status, path, data, ok):
    world = build_world(status)
    login_as(role, world, auth)
    form = {k: fill(v, world) for k, v in data.items()}
    response = auth.post(fill(path, world), form)
    assert response.status_code == expected(role, status, ok, html=True)
    if role == "anonymous":
        assert "/login" in response.location


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", STUDIO_READS)
def test_studio_reads(client, auth, app_ctx, role, status, path):
    world = build_world(status)
    login_as(role, world, auth)
    response = client.get(fill(path, world))
    assert response.status_code == expected(role, status, 200, html=True)


@pytest.mark.parametrize("role", ROLES)
def test_studio_home_and_new_course(client, auth, app_ctx, role):
    world = build_world("draft")
    login_as(role, world, auth)
    home = client.get("/studio/")
    created = auth.post("/studio/courses/new", {"title": "T", "summary": "S",
                                                "format": "course", "ce_hours": "1"})
    can_teach = role in {"other_instructor", "instructor", "admin"}
    if role == "anonymous":
        assert (home.status_code, created.status_code) == (302, 302)
    elif can_teach:
        assert (home.status_code, created.status_code) == (200, 302)
    else:
        # A co-instructor without the instructor role sees the courses they help with,
        # but cannot start new ones.
        assert home.status_code == (200 if role == "co_instructor" else 403)
        assert created.status_code == 403
