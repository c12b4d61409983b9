"""A course with an instructor, enrolled members and outsiders, for discussion tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import api_headers, enrol, make_course, make_item, make_module, make_user


@dataclass
class Room:
    course: object
    item: object
    instructor: object
    asker: object
    helper: object
    outsider: object
    admin: object
    headers: dict


@pytest.fixture
def room(app_ctx) -> Room:
    instructor = make_user(role="instructor", name="Irene Instructor")
    asker = make_user(name="Ada Asker")
    helper = make_user(name="Hal Helper")
    outsider = make_user(name="Olive Outsider")
    admin = make_user(role="admin", name="Stan Staff")
    course = make_course(instructors=[instructor], title="Metadata basics")
    module = make_module(course)
    item = make_item(module, title="Dublin Core")
    enrol(asker, course)
    enrol(helper, course)
    people = {"instructor": instructor, "asker": asker, "helper": helper,
              "outsider": outsider, "admin": admin}
    headers = {name: api_headers(user) for name, user in people.items()}
    return Room(course, item, instructor, asker, helper, outsider, admin, headers)


def ask(client, room: Room, who: str = "asker", **over):
    body = {"title": "How do I map creators?", "body": "Which **element** holds them?",
            "kind": "question", "item_id": room.item.id} | over
    response = client.post(f"/api/v1/courses/{room.course.id}/threads", json=body,
                           headers=room.headers[who])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def reply(client, room: Room, thread_id: int, who: str, body: str = "Use dc:creator."):
    response = client.post(f"/api/v1/threads/{thread_id}/posts", json={"body": body},
                           headers=room.headers[who])
    assert response.status_code == 201, response.get_json()
    return response.get_json()
