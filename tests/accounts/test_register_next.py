"""Registering keeps where the visitor was going (``next=``), like logging in does.

A visitor who follows "Create an account" from a course page, or from a login page
that a protected page sent them to, lands back there once registered; ``next=``
only ever leads to a page of this site (SECURITY.md §6).
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest

from tests.factories import PASSWORD, make_course
from tests.test_security_promises import EVIL_NEXT


def link(html: str, text: str) -> str:
    """The address of the link reading ``text`` in the page's main content."""
    main = html[html.index("<main"):html.index("</main>")]
    match = re.search(rf'<a [^>]*href="([^"]+)"[^>]*>{re.escape(text)}</a>', main)
    assert match, f"no link {text!r} on the page"
    return unescape(match.group(1))


def submit_registration(client, page_url: str, email: str = "new@example.org", **over):
    """Fill in the registration form found at ``page_url`` and send it where a browser
    would: its ``action``, or the page's own URL when it has none."""
    html = client.get(page_url).get_data(as_text=True)
    form = re.search(r"<form [^>]*method=\"post\"[^>]*>", html).group(0)
    action = re.search(r'action="([^"]*)"', form)
    target = urljoin(page_url, unescape(action.group(1))) if action else page_url
    csrf = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
    data = {"name": "New Member", "email": email, "password": PASSWORD,
            "certificate_name": "", "career_stage": "", "org_type": "", "csrf_token": csrf,
            **over}
    return client.post(target, data=data)


def from_course_page(client) -> tuple[str, str]:
    """(the register link a visitor follows, where they should land)."""
    course = make_course(slug="cataloguing-basics")
    html = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    return link(html, "Create an account"), f"/courses/{course.slug}"


def from_protected_page(client) -> tuple[str, str]:
    to_login = client.get("/my-learning").headers["Location"]
    html = client.get(to_login).get_data(as_text=True)
    return link(html, "Create an account"), "/my-learning"


def via_register_then_login_link(client) -> tuple[str, str]:
    """Register page → "Log in" → "Create an account": next survives the round trip."""
    html = client.get("/register?next=/courses").get_data(as_text=True)
    login_page = client.get(link(html, "Log in")).get_data(as_text=True)
    return link(login_page, "Create an account"), "/courses"


STARTS = {"course page": from_course_page, "protected page": from_protected_page,
          "register and login links": via_register_then_login_link}


@pytest.mark.parametrize("start", STARTS)
def test_a_new_member_lands_where_they_were_going(client, app_ctx, start):
    register_url, destination = STARTS[start](client)
    assert "next=" in register_url
    response = submit_registration(client, register_url)
    assert response.status_code == 302
    assert response.headers["Location"] == destination
    assert client.get(destination).status_code == 200


def test_a_refused_form_still_keeps_next(client, app_ctx):
    register_url, destination = from_course_page(client)
    refused = submit_registration(client, register_url, password="short")
    assert refused.status_code == 422
    response = submit_registration(client, register_url)
    assert response.headers["Location"] == destination


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_next_never_leads_off_site(client, app_ctx, target):
    """The rule login uses (``safe_next_url``): a path on this site, never another host."""
    page = client.get("/register", query_string={"next": target}).get_data(as_text=True)
    kept = parse_qs(urlsplit(link(page, "Log in")).query).get("next", ["/"])[0]
    assert is_local(kept), kept
    response = client.post("/register", query_string={"next": target}, data={
        "name": "New Member", "email": "new@example.org", "password": PASSWORD,
        "csrf_token": re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"',
                                page).group(1)})
    assert response.status_code == 302
    assert is_local(response.headers["Location"]), response.headers["Location"]


def is_local(url: str) -> bool:
    return url.startswith("/") and not url.startswith(("//", "/\\"))


def test_without_next_a_new_member_goes_home(client, app_ctx):
    response = submit_registration(client, "/register")
    assert response.headers["Location"] == "/"
