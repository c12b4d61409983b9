"""The verify page's credential links in a real browser: LinkedIn, download, axe."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser import assert_accessible
from tests.certificates import vc_verifier
from tests.factories import make_course, make_user

pytestmark = pytest.mark.browser


def test_verify_page_links_to_linkedin_and_downloads_the_credential(page, issued,
                                                                    live_server):
    member = make_user(certificate_name="Zoë Ørsted-Nguyễn")
    course = make_course(title="Reference Interviews", certificate_valid_months=24)
    cert = issued(member=member, course=course,
                  now=datetime(2026, 6, 2, 9, 0, tzinfo=UTC))
    page.goto(f"/verify/{cert.code}")
    page.get_by_text("Valid certificate").wait_for()
    assert_accessible(page)

    link = page.get_by_role("link", name="Add to LinkedIn profile")
    params = parse_qs(urlsplit(link.get_attribute("href")).query)
    assert params["startTask"] == ["CERTIFICATION_NAME"]
    assert params["name"] == ["Reference Interviews"] and params["certId"] == [cert.code]
    assert params["issueYear"] == ["2026"] and params["issueMonth"] == ["6"]
    assert params["expirationYear"] == ["2028"] and params["expirationMonth"] == ["6"]
    assert params["certUrl"][0].endswith(f"/verify/{cert.code}")
    assert params["organizationName"][0]

    with page.expect_download() as download:
        page.get_by_role("link", name="Download credential", exact=True).click()
    token = Path(download.value.path()).read_text(encoding="utf-8")
    with urllib.request.urlopen(f"{live_server.url}/.well-known/jwks.json") as response:
        jwks = json.load(response)
    _header, payload = vc_verifier.verify(token, jwks)
    assert payload["credentialSubject"]["achievement"]["name"] == "Reference Interviews"
