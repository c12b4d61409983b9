"""Deep linking (an instructor picks a course) and completion scores back by AGS."""

from __future__ import annotations

import re
from html import unescape

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import func, select

from lms.catalog.models import Enrollment
from lms.extensions import db
from lms.jobs.models import Job
from lms.progress.service import mark_done
from lms.standards import lti_scores
from lms.standards.models import LtiIdentity, LtiLink
from tests.factories import csrf_from, make_course
from tests.security_world import changed_tables, snapshot
from tests.standards.lti_helpers import (
    AGS,
    DL,
    LEARNER,
    LTI,
    SCORE_SCOPE,
    deep_linking_claims,
    launch,
    login,
    resource_link_claims,
)
from tests.standards.lti_platform import CLIENT_ID, DEPLOYMENT_ID


def _choose(client, platform, slug: str):
    params = login(client, platform)
    page = launch(client, platform.sign(deep_linking_claims(platform, params["nonce"])),
                  params["state"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    token = re.search(r'name="request_token" type="hidden" value="([^"]+)"', html).group(1)
    return html, client.post("/lti/deep-link", data={
        "csrf_token": csrf_from(html), "request_token": unescape(token), "course": slug})


def test_deep_linking_returns_a_signed_link_to_the_chosen_course(client, platform) -> None:
    course = make_course(title="Weeding the collection")
    make_course(title="Draft course", status="draft")
    chooser, answer = _choose(client, platform, course.slug)
    assert "Weeding the collection" in chooser and "Draft course" not in chooser
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert f'action="{platform.url}/deep-link-return"' in html
    assert f"form-action 'self' {platform.url}" in answer.headers["Content-Security-Policy"]
    response_jwt = re.search(r'name="JWT" value="([^"]+)"', html).group(1)
    keys = KeySet.import_key_set(client.get("/lti/jwks.json").get_json())
    claims = jwt.decode(response_jwt, keys, algorithms=["RS256"]).claims
    assert (claims["iss"], claims["aud"]) == (CLIENT_ID, platform.url)
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[LTI + "deployment_id"] == DEPLOYMENT_ID
    assert claims[DL + "data"] == "opaque-platform-data"
    assert claims[DL + "content_items"] == [{
        "type": "ltiResourceLink", "title": "Weeding the collection",
        "url": "http://127.0.0.1:5000/lti/launch", "custom": {"course": course.slug},
        "lineItem": {"scoreMaximum": 100, "label": "Weeding the collection"}}]


def test_deep_linking_is_for_instructors_only(client, platform) -> None:
    make_course()
    params = login(client, platform)
    claims = deep_linking_claims(platform, params["nonce"], **{LTI + "roles": [LEARNER]})
    before = snapshot()
    assert launch(client, platform.sign(claims), params["state"]).status_code == 403
    assert changed_tables(before, snapshot()) == {}


def test_a_forged_or_unpublished_choice_is_refused(client, platform) -> None:
    make_course()
    draft = make_course(status="draft")
    chooser, answer = _choose(client, platform, draft.slug)
    assert answer.status_code == 404
    forged = client.post("/lti/deep-link", data={
        "csrf_token": csrf_from(chooser), "request_token": "forged.token", "course": draft.slug})
    assert forged.status_code == 400


def _launch_learner(client, platform, course, lineitem: str | None = "/lineitems/7",
                    scopes=(SCORE_SCOPE,)) -> int:
    params = login(client, platform)
    endpoint = {"scope": list(scopes)}
    if lineitem:
        endpoint["lineitem"] = platform.url + lineitem
    claims = resource_link_claims(platform, params["nonce"], slug=course.slug, sub="learner-7",
                                  **{AGS: endpoint})
    assert launch(client, platform.sign(claims), params["state"]).status_code == 303
    return db.session.scalar(select(LtiIdentity.user_id))


def _complete(user_id: int, course) -> None:
    from lms.accounts.models import User

    user = db.session.get(User, user_id)
    for module in course.modules:
        for item in module.items:
            mark_done(user, item.id)
    db.session.commit()


@pytest.fixture
def tool_online(live_server, platform):
    """The platform checks client assertions against the tool's JWKS, served over HTTP."""
    platform.use_tool(f"{live_server.url}/lti/jwks.json")
    return platform


def test_completing_the_course_sends_one_score_to_the_platform(client, tool_online) -> None:
    platform = tool_online
    course = make_course(modules=1, items_per_module=2)
    user_id = _launch_learner(client, platform, course)
    _complete(user_id, course)
    assert db.session.scalar(select(Enrollment.completed_at)
                             .where(Enrollment.user_id == user_id)) is not None
    scores = platform.scores()
    assert len(scores) == 1
    assert scores[0]["lineitem"] == f"{platform.url}/lineitems/7"
    score = scores[0]["score"]
    assert (score["userId"], score["scoreGiven"], score["scoreMaximum"],
            score["activityProgress"], score["gradingProgress"]) == (
        "learner-7", 100, 100, "Completed", "FullyGraded")
    assert db.session.scalar(select(LtiLink.score_sent_at)) is not None
    link_id = db.session.scalar(select(LtiLink.id))
    lti_scores.queue_scores(course.id, user_id)  # a second signal, a second run: no resend
    db.session.commit()
    assert lti_scores.send_score(link_id) is False
    assert len(platform.scores()) == 1


@pytest.mark.parametrize("status", [503, 429])
def test_a_platform_down_gets_the_score_when_the_job_is_retried(client, tool_online,
                                                                 status) -> None:
    """Without a broker a job has one attempt; on a broker the queue retries with backoff
    (a TransientError): either way the retry sends the score, once."""
    from lms.jobs.service import retry
    from tests.factories import make_user

    platform = tool_online
    platform.control("POST", "/control/fail-scores", [status])
    course = make_course(modules=1, items_per_module=1)
    _complete(_launch_learner(client, platform, course), course)
    job = db.session.scalar(select(Job).where(Job.name == lti_scores.TASK))
    assert job.status == "failed" and str(status) in job.error
    assert platform.scores() == [] and db.session.scalar(select(LtiLink.score_sent_at)) is None
    retry(make_user(role="admin"), job.id)
    db.session.commit()
    assert [s["score"]["userId"] for s in platform.scores()] == ["learner-7"]
    assert db.session.scalar(select(LtiLink.score_sent_at)) is not None


def test_the_score_job_retries_on_a_passing_failure(client, tool_online) -> None:
    """What the queue sees: a TransientError, which a broker's worker retries with backoff."""
    from lms.jobs import TransientError

    platform = tool_online
    course = make_course(modules=1, items_per_module=1)
    _launch_learner(client, platform, course)
    link_id = db.session.scalar(select(LtiLink.id))
    platform.control("POST", "/control/fail-scores", [502])
    with pytest.raises(TransientError):
        lti_scores.send_score(link_id)
    assert lti_scores.send_score(link_id) is True
    assert len(platform.scores()) == 1


def test_no_score_without_a_line_item_or_the_score_scope(client, tool_online) -> None:
    first, second = make_course(modules=1, items_per_module=1), make_course(
        modules=1, items_per_module=1)
    user_id = _launch_learner(client, tool_online, first, lineitem=None)
    _launch_learner(client, tool_online, second, scopes=())
    _complete(user_id, first)
    _complete(user_id, second)
    assert tool_online.scores() == []
    assert db.session.scalar(select(func.count(Job.id))
                             .where(Job.name == lti_scores.TASK)) == 0


def test_a_refused_client_assertion_fails_the_job_and_sends_nothing(client, platform) -> None:
    """The platform cannot check our key (no tool JWKS known to it): the token is refused."""
    course = make_course(modules=1, items_per_module=1)
    user_id = _launch_learner(client, platform, course)
    _complete(user_id, course)
    assert platform.scores() == []
    assert platform.control("GET", "/control/refusals")
    job = db.session.scalar(select(Job).where(Job.name == lti_scores.TASK))
    assert job.status == "failed" and "401" in job.error
    assert db.session.scalar(select(LtiLink.score_sent_at)) is None
