"""LTI in Chromium: the platform's login redirect and auto-posted launch land on the course;
deep linking posts its answer back to the platform; the staff page passes axe."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.browser import assert_accessible, log_in
from tests.factories import make_course, make_user
from tests.standards.lti_helpers import (
    DL,
    LTI,
    deep_linking_claims,
    register,
    resource_link_claims,
)
from tests.standards.lti_platform import CLIENT_ID

pytestmark = pytest.mark.browser


@pytest.fixture
def platform(app, app_ctx, live_server, lti_platform, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", live_server.url)
    register(lti_platform)
    return lti_platform


def _start_at_platform(page, platform, target: str) -> None:
    """What a platform's page does: send the browser to the tool's login initiation URL."""
    page.goto("/lti/login?" + urlencode({"iss": platform.url, "login_hint": "hint",
                                         "target_link_uri": target, "client_id": CLIENT_ID}))


def test_a_launch_from_the_platform_opens_the_course(page, platform, live_server) -> None:
    course = make_course(title="Reference interviews that work")
    platform.queue_launch(resource_link_claims(platform, "", slug=course.slug))
    _start_at_platform(page, platform, f"{live_server.url}/lti/launch")
    page.get_by_role("heading", name="Reference interviews that work").wait_for()
    page.get_by_role("button", name="Log out").wait_for()
    assert page.url == f"{live_server.url}/courses/{course.slug}"
    assert_accessible(page)


def test_deep_linking_posts_the_chosen_course_back(page, platform, live_server) -> None:
    make_course(title="Collection weeding")
    chosen = make_course(title="Programming for teens")
    platform.queue_launch(deep_linking_claims(platform, ""))
    _start_at_platform(page, platform, f"{live_server.url}/lti/launch")
    page.get_by_role("heading", name="Choose a course for your course site").wait_for()
    assert_accessible(page)
    page.get_by_label("Programming for teens").check()
    page.get_by_role("button", name="Add to my course site").click()
    page.get_by_text("Link added.").wait_for()  # the platform's page: the form went there
    (response_jwt,) = platform.control("GET", "/control/deep-links")
    keys = KeySet.import_key_set(page.request.get(f"{live_server.url}/lti/jwks.json").json())
    claims = jwt.decode(response_jwt, keys, algorithms=["RS256"]).claims
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[DL + "content_items"][0]["custom"] == {"course": chosen.slug}


def test_the_staff_page_of_platforms_passes_axe(page, platform) -> None:
    admin = make_user(role="admin")
    log_in(page, admin.email)
    page.goto("/admin/lti")
    page.get_by_role("heading", name="Registered platforms").wait_for()
    assert page.get_by_role("cell", name=platform.url, exact=True).count() == 1
    assert_accessible(page)
    page.get_by_role("button", name="Register").click()
    page.get_by_text("Enter the issuer.").wait_for()
    assert_accessible(page)
