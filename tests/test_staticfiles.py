"""Static files: fingerprinted URLs kept for a year, anything else revalidated soon."""

from __future__ import annotations

import re

import pytest


def static_links(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_pages_link_static_files_with_their_content_hash(client):
    links = static_links(client.get("/login").get_data(as_text=True))
    assert links and all(re.search(r"\?v=[0-9a-f]{12}$", link) for link in links)


def test_current_fingerprint_is_cached_for_a_year(client):
    link = static_links(client.get("/login").get_data(as_text=True))[0]
    with client.get(link) as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["ETag"]


def test_unversioned_or_stale_urls_are_revalidated_after_minutes(client):
    path = static_links(client.get("/login").get_data(as_text=True))[0].split("?")[0]
    for url in (path, path + "?v=000000000000"):
        with client.get(url) as response:
            assert response.headers["Cache-Control"] == "public, max-age=300"
            etag = response.headers["ETag"]
        with client.get(url, headers={"If-None-Match": etag}) as again:
            assert again.status_code == 304


def test_favicon_answers_at_the_root_with_a_long_cache(client):
    """Browsers ask for /favicon.ico on a first visit whatever the page links."""
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200
        assert response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
        assert response.get_data()[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
        assert response.cache_control.public
        assert response.cache_control.max_age >= 7 * 24 * 3600
        etag = response.headers["ETag"]
    with client.get("/favicon.ico", headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304


@pytest.mark.parametrize("path", ["/", "/login", "/courses", "/no-such-page"])
def test_pages_link_the_icon(client, path):
    html = client.get(path).get_data(as_text=True)
    link = re.search(r'<link rel="icon" href="([^"]+)"', html)
    assert link and re.search(r"^/static/favicon\.ico\?v=[0-9a-f]{12}$", link.group(1))
    with client.get(link.group(1)) as linked, client.get("/favicon.ico") as root:
        assert linked.status_code == 200
        assert linked.get_data() == root.get_data()
