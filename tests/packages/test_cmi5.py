"""cmi5 packages: the launch, the one-use fetch URL, the launch's xAPI endpoint, moveOn."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from lms.catalog.models import Enrollment
from lms.extensions import db
from lms.origins import content_origin
from lms.progress.models import ItemProgress
from tests.browser import log_in
from tests.factories import api_headers, enrol, make_course, make_user
from tests.packages import scorm_samples as samples

VERBS = "http://adlnet.gov/expapi/verbs/"
AU = "https://example.org/courses/reference-interview/au1"


def cmi5_course(move_on: str = "CompletedAndPassed"):
    course = make_course(title="The reference interview")
    item, _ = samples.stored_package(samples.cmi5_zip(move_on=move_on), course,
                                     title="Interview practice")
    member = make_user()
    enrol(member, course)
    return course, item, member


def launch(client, member, item) -> dict:
    response = client.post(f"/api/v1/items/{item.id}/cmi5-launch", headers=api_headers(member))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def token_for(client, params: dict) -> str:
    response = client.post(params["fetch"])
    assert response.status_code == 200
    return response.get_json()["auth-token"]


def send(client, params, token, verb, result=None, registration=None):
    statement = {"actor": params["actor"], "verb": {"id": VERBS + verb},
                 "object": {"id": params["activityId"]},
                 "context": {"registration": registration or params["registration"]}}
    if result:
        statement["result"] = result
    return client.post(params["endpoint"] + "statements", json=statement,
                       headers={"Authorization": f"Basic {token}",
                                "X-Experience-API-Version": "1.0.3"})


def item_status(member, item) -> str | None:
    db.session.expire_all()
    return db.session.execute(select(ItemProgress.status).where(
        ItemProgress.user_id == member.id, ItemProgress.item_id == item.id)).scalar()


def test_statements_complete_the_item_per_move_on(client, app_ctx):
    course, item, member = cmi5_course("CompletedAndPassed")
    params = launch(client, member, item)
    assert params["activityId"] == AU
    assert params["actor"]["account"]["name"] == str(member.id)
    # The AU's endpoints are on the package content origin (its calls are same-origin);
    # the app's own origin does not answer them.
    assert params["endpoint"].startswith(content_origin() + "/cmi5/")
    assert params["endpoint"].endswith("/xapi/")
    assert params["fetch"].startswith(content_origin() + "/cmi5/")
    assert client.post("/" + params["fetch"].split("/", 3)[3]).status_code == 404
    token = token_for(client, params)

    state = client.get(params["endpoint"] + "activities/state",
                       query_string={"stateId": "LMS.LaunchData", "activityId": AU},
                       headers={"Authorization": f"Basic {token}"})
    assert state.headers["X-Experience-API-Version"] == "1.0.3"
    data = state.get_json()
    assert (data["launchMode"], data["moveOn"], data["masteryScore"]) == (
        "Normal", "CompletedAndPassed", 0.8)
    assert data["returnURL"].endswith(f"/learn/{course.slug}/items/{item.id}")

    answer = send(client, params, token, "completed", {"completion": True})
    assert answer.status_code == 200
    assert len(answer.get_json()) == 1
    assert item_status(member, item) == "in_progress"  # passed is still missing
    assert send(client, params, token, "passed",
                {"success": True, "score": {"scaled": 0.9}}).status_code == 200
    assert item_status(member, item) == "completed"
    assert db.session.execute(select(Enrollment.completed_at)).scalar() is not None


def test_statements_of_another_registration_or_activity_do_not_count(client, app_ctx):
    _course, item, member = cmi5_course("Completed")
    params = launch(client, member, item)
    token = token_for(client, params)
    assert send(client, params, token, "completed", registration="other").status_code == 200
    other = dict(params, activityId="https://example.org/another-au")
    assert send(client, other, token, "completed").status_code == 200
    assert item_status(member, item) != "completed"
    send(client, params, token, "completed")
    assert item_status(member, item) == "completed"


def test_fetch_url_works_once_and_tokens_are_scoped_to_their_launch(client, app_ctx):
    course, item, member = cmi5_course("Completed")
    params = launch(client, member, item)
    token = token_for(client, params)
    again = client.post(params["fetch"])
    assert again.status_code == 400
    assert again.get_json()["error-code"] == "1"

    assert send(client, params, "not-a-token", "completed").status_code == 401
    no_auth = client.post(params["endpoint"] + "statements",
                          json={"verb": {"id": VERBS + "completed"}, "object": {"id": AU}})
    assert no_auth.status_code == 401
    # Another member's launch: their token does not open this launch, nor does this one theirs.
    outsider = make_user()
    enrol(outsider, course)
    theirs = launch(client, outsider, item)
    their_token = token_for(client, theirs)
    assert send(client, params, their_token, "completed").status_code == 403
    assert item_status(member, item) != "completed"
    state = client.put(params["endpoint"] + "activities/state?stateId=LMS.LaunchData",
                       data=json.dumps({"moveOn": "NotApplicable"}),
                       headers={"Authorization": f"Basic {token}",
                                "Content-Type": "application/json"})
    assert state.status_code == 403


def test_only_enrolled_members_may_launch(client, app_ctx):
    _course, item, _member = cmi5_course()
    stranger = make_user()
    response = client.post(f"/api/v1/items/{item.id}/cmi5-launch", headers=api_headers(stranger))
    assert response.status_code == 403


@pytest.mark.browser
def test_cmi5_sample_completes_in_chromium(page, app_ctx):
    course, item, member = cmi5_course("CompletedAndPassed")
    log_in(page, member.email)
    page.goto(f"/learn/{course.slug}/items/{item.id}")
    frame = page.frame_locator("iframe.package-frame").frame_locator("#package-content")
    frame.locator("#state").filter(has_text="finished").wait_for()
    assert frame.locator("#state").get_attribute("data-move-on") == "CompletedAndPassed"
    assert item_status(member, item) == "completed"
    page.reload()
    page.get_by_text("You have completed this package.").first.wait_for()
