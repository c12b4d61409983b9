"""Single sign-on in Chromium: our login page, the provider's own forms, and back."""

import pytest

from tests.accounts.oidc.conftest import use_provider
from tests.browser import assert_accessible

pytestmark = pytest.mark.browser


@pytest.fixture
def sso_page(app, page, live_server, oidc_provider, monkeypatch):
    """A page on the live server, which the provider sends members back to."""
    use_provider(app, monkeypatch, oidc_provider, BASE_URL=live_server.url)
    # The provider's development pages import a web font; this machine stays offline.
    page.context.route("**/*", lambda route: route.abort()
                       if not route.request.url.startswith("http://127.0.0.1:")
                       else route.continue_())
    return page


def sign_in_at_provider(page, login: str) -> None:
    page.goto("/login")
    assert_accessible(page)
    page.get_by_role("link", name="Log in with Example Library Association").click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def test_a_member_signs_in_through_the_association(sso_page):
    sign_in_at_provider(sso_page, "grace")
    sso_page.get_by_text("You are logged in through Example Library Association").wait_for()
    sso_page.get_by_role("button", name="Log out").wait_for()
    assert_accessible(sso_page)


def test_an_unverified_email_gets_a_clear_page(sso_page):
    sign_in_at_provider(sso_page, "mallory")
    sso_page.get_by_text("has not verified your email address").wait_for()
    assert_accessible(sso_page)
