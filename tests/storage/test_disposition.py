"""RFC 6266 Content-Disposition values for users' original file names."""

from __future__ import annotations

import pytest

from lms.storage import content_disposition


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("slides.pdf", "inline; filename=\"slides.pdf\"; filename*=UTF-8''slides.pdf"),
        (
            "Café 講義.mp4",
            "inline; filename=\"Cafe .mp4\"; filename*=UTF-8''Caf%C3%A9%20%E8%AC%9B%E7%BE%A9.mp4",
        ),
        ('a"b%d.pdf', "inline; filename=\"a_b_d.pdf\"; filename*=UTF-8''a%22b%25d.pdf"),
        ("../../etc/passwd", "inline; filename=\"passwd\"; filename*=UTF-8''passwd"),
        ("C:\\Users\\me\\talk.mp4", "inline; filename=\"talk.mp4\"; filename*=UTF-8''talk.mp4"),
        (
            "evil\r\nSet-Cookie: x.pdf",
            'inline; filename="evilSet-Cookie: x.pdf"; '
            "filename*=UTF-8''evilSet-Cookie%3A%20x.pdf",
        ),
        ("講義", "inline; filename=\"download\"; filename*=UTF-8''%E8%AC%9B%E7%BE%A9"),
        ("", "inline; filename=\"download\"; filename*=UTF-8''download"),
    ],
)
def test_names_are_carried_safely(filename: str, expected: str) -> None:
    assert content_disposition(filename, inline=True, content_type="video/mp4") == expected


def test_attachment_when_asked() -> None:
    assert content_disposition("a.pdf", inline=False).startswith("attachment;")


@pytest.mark.parametrize("content_type", ["text/html", "image/svg+xml", "TEXT/HTML; charset=utf-8"])
def test_active_content_is_never_inline(content_type: str) -> None:
    value = content_disposition("page.html", inline=True, content_type=content_type)

    assert value.startswith("attachment;")
