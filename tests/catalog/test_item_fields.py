"""Every patchable item field on every kind of item: a change, or a clear 422, never a 500."""

from __future__ import annotations

import pytest

from lms.catalog.authoring_fields import ITEM_CLEANERS, ITEM_SETTING_CLEANERS
from lms.catalog.authoring_outline import MEDIA_KINDS, VIDEO_FIELDS
from lms.catalog.models import ITEM_KINDS, Item
from lms.extensions import db
from tests.factories import api_headers, make_course, make_item, make_media, make_module, make_user

#: Fields PATCH /api/v1/items/{id} takes besides the item's own (it moves items too).
MOVE_FIELDS = ("position", "module_id", "kind")
FIELDS = (*ITEM_CLEANERS, *ITEM_SETTING_CLEANERS, *MOVE_FIELDS)
ODD_VALUES = (None, "", 0, -1, "x", "12", 1.5, True, [], {}, 2**63)


@pytest.fixture
def setup(app_ctx):
    teacher = make_user(role="instructor")
    course = make_course(instructors=[teacher], status="draft")
    module = make_module(course)
    items = {kind: make_item(module, kind=kind, title=kind.title(), body="",
                             media=make_media(uploader_id=teacher.id)
                             if kind in MEDIA_KINDS else None)
             for kind in ITEM_KINDS}
    return api_headers(teacher), {kind: item.id for kind, item in items.items()}


def patch(client, headers, item_id: int, body: dict):
    return client.patch(f"/api/v1/items/{item_id}", json=body, headers=headers)


@pytest.mark.parametrize("kind", ITEM_KINDS)
def test_no_media_is_fine_on_every_kind(client, setup, kind):
    """``media_id: null`` says "no media": a reading or quiz has none, so nothing changes."""
    headers, ids = setup
    response = patch(client, headers, ids[kind], {"media_id": None})
    assert response.status_code == 200, response.get_json()
    if kind not in MEDIA_KINDS:
        assert db.session.get(Item, ids[kind]).media_id is None


@pytest.mark.parametrize("kind", sorted(set(ITEM_KINDS) - set(MEDIA_KINDS)))
def test_media_on_an_item_without_media_is_a_field_error(client, setup, kind):
    headers, ids = setup
    response = patch(client, headers, ids[kind], {"media_id": 1})
    assert response.status_code == 422
    assert "media_id" in response.get_json()["errors"]


@pytest.mark.parametrize("field", VIDEO_FIELDS)
@pytest.mark.parametrize("kind", sorted(set(ITEM_KINDS) - {"video"}))
def test_video_fields_on_other_kinds_are_field_errors(client, setup, kind, field):
    headers, ids = setup
    response = patch(client, headers, ids[kind], {field: 50})
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


@pytest.mark.parametrize("kind", ITEM_KINDS)
def test_every_field_on_every_kind_answers_clearly(client, setup, kind):
    headers, ids = setup
    problems = []
    for field in FIELDS:
        # moving to a module that does not exist is a 404
        refusals = (400, 404, 409, 422) if field == "module_id" else (400, 409, 422)
        for value in ODD_VALUES:
            response = patch(client, headers, ids[kind], {field: value})
            status = response.status_code
            if not (200 <= status < 300 or status in refusals):
                problems.append(f"{field}={value!r}: {status}")
            elif status >= 400 and response.mimetype != "application/problem+json":
                problems.append(f"{field}={value!r}: {status} {response.mimetype}")
    assert not problems, problems
