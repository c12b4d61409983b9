"""Static files: fingerprinted URLs kept for a year, anything else revalidated soon."""

from __future__ import annotations

import re


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
